export { TemplateError, templateErrorCategories, type TemplateErrorCategory } from "./template-error.js";
export { placeholderNames, renderTemplate, variableNamePattern } from "./render-template.js";
export { ArtifactError, artifactNamePattern, artifactNameProblem, assertArtifactName, isArtifactName } from "./artifact-name.js";
export { ArtifactStore, type ArtifactRef, type ArtifactShelf, type RenderWithArtifactsOptions } from "./artifact-store.js";
export { loadPromptTemplate } from "./prompt-file.js";
