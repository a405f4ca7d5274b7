/** Directories fs_glob and fs_grep skip unless asked to include them. */
export const defaultExcludes: readonly string[] = ["**/node_modules/**", "**/.git/**"];

export const excludesFor = (includeIgnored: boolean | undefined): readonly string[] => (includeIgnored ? [] : defaultExcludes);
