import type { ImageAnalysis, LayerFileRecord } from './analysis-types.js';
import { analyseImage, stackLayers } from './analysis.js';
import { findHints } from './hints.js';
import { attributePackages } from './packages/attribute.js';
import { oversizedDatabaseWarning } from './packages/databases.js';
import type { PackageRef } from './packages/types.js';

/**
 * Everything the file records of one image tell, from one replay of its layers: files and
 * waste, bytes per package, and the hints (which name the packages their files belong to).
 */
export function analyseLayers(
  layers: readonly (readonly LayerFileRecord[])[],
  baseLayers: number,
): ImageAnalysis {
  const stack = stackLayers(layers);
  const analysis = analyseImage(layers, { stack });
  // Owners are kept only while the hints look for them: the result holds sums, not files.
  const owners = new Map<string, PackageRef>();
  const inventory = attributePackages(stack.finalFiles, stack.finalDatabases, stack.finalSymlinks, {
    onOwner: (path, owner) => owners.set(path, owner),
    otherEntries: stack.finalOtherEntries,
    hardlinks: stack.finalHardlinks,
  });
  const oversized = Array.from(stack.oversizedDatabases, ([path, bytes]) =>
    oversizedDatabaseWarning(path, bytes),
  );
  const hints = findHints(layers, analysis, {
    baseLayers,
    stack,
    ownerOf: (path) => owners.get(path),
  });
  return {
    ...analysis,
    hints,
    packages: { ...inventory, warnings: [...oversized, ...inventory.warnings] },
  };
}
