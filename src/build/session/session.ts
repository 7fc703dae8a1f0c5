import { createHash, randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import type Docker from 'dockerode';
import { errorMessage } from '../../core/errors.js';
import {
  sendDirectory,
  type ExtraRule,
  type PacketChannel,
  type SyncRequest,
} from './file-sync.js';
import { decodePacket, encodePacket, HEALTH_SERVING, type Packet } from './wire.js';

/** A folder the build may read, under the name BuildKit's frontend asks for. */
export interface SyncedDirectory {
  readonly root: string;
  readonly extraRule?: ExtraRule | undefined;
}

export interface BuildSession {
  readonly id: string;
  /** The first failure while serving a folder, if any (for the build's error message). */
  failure(): Error | undefined;
  close(): void;
}

const DIFF_COPY = '/moby.filesync.v1.FileSync/DiffCopy';
const HEALTH_CHECK = '/grpc.health.v1.Health/Check';

/**
 * Opens a BuildKit session on the engine (`POST /session`, upgraded to HTTP/2) and serves the
 * named folders over it, as the docker CLI does for `docker build` with BuildKit. The engine then
 * reads the context through the session instead of an uploaded tar, which is the only way that
 * works on every engine: Docker 26's containerd-store builder cannot read an uploaded context.
 */
export async function openBuildSession(
  docker: Docker,
  directories: Readonly<Record<string, SyncedDirectory>>,
): Promise<BuildSession> {
  const id = randomUUID();
  const sharedKey = createHash('sha256')
    .update(
      Object.values(directories)
        .map((directory) => directory.root)
        .join('\n'),
    )
    .digest('hex');
  const socket = await dialSession(docker, {
    'X-Docker-Expose-Session-Uuid': id,
    'X-Docker-Expose-Session-Name': 'image-size-gate',
    'X-Docker-Expose-Session-Sharedkey': sharedKey,
    'X-Docker-Expose-Session-Grpc-Method': [DIFF_COPY, HEALTH_CHECK],
  });

  let firstFailure: Error | undefined;
  // A connection the engine drops must end this build with a reason, never crash the process.
  socket.on('error', (error: Error) => {
    firstFailure ??= new Error(`the build session connection failed: ${error.message}`);
  });
  const server = new grpc.Server();
  server.addService(serviceDefinition, {
    DiffCopy(call: grpc.ServerDuplexStream<Packet, Packet>) {
      const name = firstMetadata(call.metadata, 'dir-name') ?? '';
      const directory = Object.hasOwn(directories, name) ? directories[name] : undefined;
      if (!directory) {
        call.destroy(new Error(`no access allowed to dir ${JSON.stringify(name)}`));
        return;
      }
      sendDirectory(
        directory.root,
        readSyncRequest(call.metadata),
        channelOf(call),
        directory.extraRule,
      )
        .then(() => {
          call.end();
        })
        .catch((error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error));
          firstFailure ??= failure;
          call.destroy(failure);
        });
    },
    Check(_call: unknown, callback: grpc.sendUnaryData<Buffer>) {
      callback(null, HEALTH_SERVING);
    },
  });
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  injector.injectConnection(socket);
  return {
    id,
    failure: () => firstFailure,
    close() {
      injector.destroy();
      server.forceShutdown();
      socket.destroy();
    },
  };
}

const identity = (buffer: Buffer): Buffer => buffer;

const serviceDefinition: grpc.ServiceDefinition = {
  DiffCopy: {
    path: DIFF_COPY,
    requestStream: true,
    responseStream: true,
    requestSerialize: encodePacket,
    requestDeserialize: decodePacket,
    responseSerialize: encodePacket,
    responseDeserialize: decodePacket,
    originalName: 'DiffCopy',
  },
  Check: {
    path: HEALTH_CHECK,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: 'Check',
  },
};

function channelOf(call: grpc.ServerDuplexStream<Packet, Packet>): PacketChannel {
  return {
    // Leaving the loop must not destroy the call: its status still has to be sent.
    incoming: call.iterator({ destroyOnReturn: false }) as AsyncIterable<Packet>,
    send(packet) {
      return new Promise((resolve, reject) => {
        if (call.destroyed) {
          reject(new Error('the build context stream was closed'));
          return;
        }
        if (call.write(packet)) resolve();
        else {
          const onDrain = (): void => {
            call.off('close', onClose);
            resolve();
          };
          const onClose = (): void => {
            call.off('drain', onDrain);
            reject(new Error('the build context stream was closed'));
          };
          call.once('drain', onDrain);
          call.once('close', onClose);
        }
      });
    },
  };
}

/**
 * BuildKit sends each pattern as its own header field; Node's HTTP/2 joins repeated fields with
 * ", ", so they are split there again. Non-ASCII values come URL-encoded, said in `<key>-encoded`.
 */
function readSyncRequest(metadata: grpc.Metadata): SyncRequest {
  const values = (key: string): string[] => {
    const raw = metadata
      .get(key)
      .flatMap((value) => value.toString().split(', '))
      .filter((value) => value !== '');
    const encoded = firstMetadata(metadata, `${key}-encoded`) === 'true';
    return encoded ? raw.map((value) => decodeURIComponent(value.replace(/\+/g, ' '))) : raw;
  };
  return {
    includePatterns: values('include-patterns'),
    excludePatterns: values('exclude-patterns'),
    followPaths: values('followpaths'),
  };
}

function firstMetadata(metadata: grpc.Metadata, key: string): string | undefined {
  return metadata.get(key)[0]?.toString();
}

function dialSession(
  docker: Docker,
  headers: Readonly<Record<string, string | string[]>>,
): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        method: 'POST',
        path: '/session',
        hijack: true,
        headers: { Upgrade: 'h2c', ...headers },
        statusCodes: { 101: true, 200: true, 400: 'bad request', 500: 'server error' },
      },
      (error: unknown, socket: unknown) => {
        if (error) reject(error instanceof Error ? error : new Error(errorMessage(error)));
        else if (isDuplex(socket)) resolve(socket);
        else reject(new Error('the engine did not open a session connection'));
      },
    );
  });
}

function isDuplex(value: unknown): value is Duplex {
  return (
    typeof value === 'object' &&
    value !== null &&
    'write' in value &&
    typeof value.write === 'function' &&
    'on' in value
  );
}
