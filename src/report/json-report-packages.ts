import type { PackageFindings } from '../compare/types.js';
import type { ObjectReader } from '../core/document.js';
import { ECOSYSTEMS } from '../core/model.js';
import type { PackageInventory } from '../measure/packages/types.js';
import type {
  JsonImagePackages,
  JsonPackageFindings,
  JsonPackageRow,
} from './json-report-schema.js';

/** The packages parts of the JSON report: written, read back, and turned into findings. */

const CHANGE_KINDS = ['added', 'removed', 'grown', 'shrunk', 'version-changed'] as const;

export function imagePackagesReport(inventory: PackageInventory): JsonImagePackages {
  return {
    packages: inventory.packages.map((usage) => ({
      ecosystem: usage.ecosystem,
      name: usage.name,
      version: usage.version,
      architecture: usage.architecture ?? null,
      bytes: usage.bytes,
      files: usage.files,
      layers: usage.layers.map((entry) => ({ layer: entry.layer, bytes: entry.bytes })),
    })),
    summary: inventory.summary.map(row),
    unowned: inventory.unowned.map((folder) => ({
      folder: folder.folder,
      bytes: folder.bytes,
      files: folder.files,
    })),
    conflicts: inventory.conflictCount,
    warnings: inventory.warnings.map((warning) => ({
      file: warning.file,
      line: warning.line ?? null,
      message: warning.message,
    })),
  };
}

export function packageFindingsReport(findings: PackageFindings): JsonPackageFindings {
  return {
    comparable: findings.comparable,
    changes: findings.changes.map((change) => ({
      ecosystem: change.ecosystem,
      name: change.name,
      kind: change.kind,
      versionBefore: change.versionBefore ?? null,
      versionAfter: change.versionAfter ?? null,
      bytesBefore: change.bytesBefore ?? null,
      bytesAfter: change.bytesAfter ?? null,
      delta: change.delta,
    })),
    totals: findings.totals.map((total) => ({
      ecosystem: total.ecosystem,
      packagesBefore: total.packagesBefore ?? null,
      packagesAfter: total.packagesAfter,
      bytesBefore: total.bytesBefore ?? null,
      bytesAfter: total.bytesAfter,
      delta: total.delta,
    })),
    grownLayers: findings.grownLayers.map((layer) => ({
      layer: layer.layer,
      packages: layer.packages.map((usage) => ({ ...usage })),
    })),
    warnings: [...findings.warnings],
  };
}

function row(summary: JsonPackageRow): JsonPackageRow {
  return {
    ecosystem: summary.ecosystem,
    name: summary.name,
    version: summary.version,
    bytes: summary.bytes,
  };
}

export function parseImagePackages(packages: ObjectReader): JsonImagePackages {
  const read = packages.reader;
  const nullableText = (value: unknown, key: string): string => read.string(value, key);
  return {
    packages: packages.list('packages', (item) => {
      const usage = item.asObject();
      return {
        ecosystem: usage.oneOf('ecosystem', ECOSYSTEMS),
        name: usage.string('name'),
        version: usage.string('version'),
        architecture: usage.nullable('architecture', nullableText),
        bytes: usage.bytes('bytes'),
        files: usage.bytes('files'),
        layers: usage.list('layers', (entry) => {
          const bytes = entry.asObject();
          return { layer: bytes.bytes('layer'), bytes: bytes.bytes('bytes') };
        }),
      };
    }),
    summary: packages.list('summary', (item) => parseRow(item.asObject())),
    unowned: packages.list('unowned', (item) => {
      const folder = item.asObject();
      return {
        folder: folder.string('folder'),
        bytes: folder.bytes('bytes'),
        files: folder.bytes('files'),
      };
    }),
    conflicts: packages.bytes('conflicts'),
    warnings: packages.list('warnings', (item) => {
      const warning = item.asObject();
      return {
        file: warning.string('file'),
        line: warning.nullable('line', (value, key) => read.integer(value, key)),
        message: warning.string('message'),
      };
    }),
  };
}

export function parsePackageFindings(findings: ObjectReader): JsonPackageFindings {
  const read = findings.reader;
  const bytesOrNull = (value: unknown, key: string): number => read.bytes(value, key);
  return {
    comparable: findings.boolean('comparable'),
    changes: findings.list('changes', (item) => {
      const change = item.asObject();
      return {
        ecosystem: change.oneOf('ecosystem', ECOSYSTEMS),
        name: change.string('name'),
        kind: change.oneOf('kind', CHANGE_KINDS),
        versionBefore: change.nullable('versionBefore', (value, key) => read.string(value, key)),
        versionAfter: change.nullable('versionAfter', (value, key) => read.string(value, key)),
        bytesBefore: change.nullable('bytesBefore', bytesOrNull),
        bytesAfter: change.nullable('bytesAfter', bytesOrNull),
        delta: change.integer('delta'),
      };
    }),
    totals: findings.list('totals', (item) => {
      const total = item.asObject();
      return {
        ecosystem: total.oneOf('ecosystem', ECOSYSTEMS),
        packagesBefore: total.nullable('packagesBefore', bytesOrNull),
        packagesAfter: total.bytes('packagesAfter'),
        bytesBefore: total.nullable('bytesBefore', bytesOrNull),
        bytesAfter: total.bytes('bytesAfter'),
        delta: total.integer('delta'),
      };
    }),
    grownLayers: findings.list('grownLayers', (item) => {
      const layer = item.asObject();
      return {
        layer: layer.bytes('layer'),
        packages: layer.list('packages', (entry) => {
          const usage = entry.asObject();
          return {
            ecosystem: usage.oneOf('ecosystem', ECOSYSTEMS),
            name: usage.string('name'),
            bytes: usage.bytes('bytes'),
          };
        }),
      };
    }),
    warnings: findings.list('warnings', (item) =>
      item.self((value, key) => read.string(value, key)),
    ),
  };
}

function parseRow(summary: ObjectReader): JsonPackageRow {
  return {
    ecosystem: summary.oneOf('ecosystem', ECOSYSTEMS),
    name: summary.string('name'),
    version: summary.string('version'),
    bytes: summary.bytes('bytes'),
  };
}

/** A decoded report's image packages as the measurement has them (conflict examples aside). */
export function inventoryOf(packages: JsonImagePackages | null): PackageInventory {
  if (packages === null) {
    return {
      packages: [],
      summary: [],
      unowned: [],
      conflicts: [],
      conflictCount: 0,
      warnings: [],
    };
  }
  return {
    packages: packages.packages.map((usage) => ({
      ecosystem: usage.ecosystem,
      name: usage.name,
      version: usage.version,
      ...(usage.architecture === null ? {} : { architecture: usage.architecture }),
      bytes: usage.bytes,
      files: usage.files,
      installs: 1,
      layers: usage.layers,
    })),
    summary: packages.summary,
    unowned: packages.unowned.map((folder) => ({ ...folder, layers: [] })),
    conflicts: [],
    conflictCount: packages.conflicts,
    warnings: packages.warnings.map((warning) => ({
      file: warning.file,
      ...(warning.line === null ? {} : { line: warning.line }),
      message: warning.message,
    })),
  };
}

export function packageFindingsOf(findings: JsonPackageFindings): PackageFindings {
  return {
    comparable: findings.comparable,
    changes: findings.changes.map((change) => ({
      ecosystem: change.ecosystem,
      name: change.name,
      kind: change.kind,
      versionBefore: change.versionBefore ?? undefined,
      versionAfter: change.versionAfter ?? undefined,
      bytesBefore: change.bytesBefore ?? undefined,
      bytesAfter: change.bytesAfter ?? undefined,
      delta: change.delta,
    })),
    totals: findings.totals.map((total) => ({
      ecosystem: total.ecosystem,
      packagesBefore: total.packagesBefore ?? undefined,
      packagesAfter: total.packagesAfter,
      bytesBefore: total.bytesBefore ?? undefined,
      bytesAfter: total.bytesAfter,
      delta: total.delta,
    })),
    grownLayers: findings.grownLayers,
    warnings: findings.warnings,
  };
}
