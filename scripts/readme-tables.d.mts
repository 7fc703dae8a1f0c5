/** The README's inputs and outputs tables, rendered from action.yml. */
export interface ReadmeTables {
  /** `| Input | Default | Description |` table, without the markers. */
  inputs: string;
  /** `| Output | Description |` table, without the markers. */
  outputs: string;
}

/** Renders the inputs and outputs tables of an action.yml, aligned as Prettier formats them. */
export declare function renderTables(actionYmlText: string): ReadmeTables;
