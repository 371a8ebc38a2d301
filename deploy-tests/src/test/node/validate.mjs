// Validates Kubernetes objects against the API's OpenAPI schemas (kubernetes-models) and the CRDs'
// (prometheus-operator, cert-manager). Reads multi-document YAML, as `kubectl kustomize` prints it,
// from the file named as the argument or else from stdin; prints one line per error,
// "Kind/name: path: message", and exits 3 if there is any (node itself exits 1 on a crash).
// An apiVersion/kind that none of the packages knows is an error: nothing passes unvalidated.
// Run by deploy-tests (KubernetesSchemas.java) after `npm ci` in a copy of this directory.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

// require(), not import(): a group that a package does not export fails at once and by code, and
// the packages ship a CommonJS build of every group.
const require = createRequire(import.meta.url);

// Where each API group's models live; the core group ("v1") is in kubernetes-models.
const PACKAGES = ["kubernetes-models", "@kubernetes-models/prometheus-operator", "@kubernetes-models/cert-manager"];

function modelsOf(apiVersion) {
  for (const name of PACKAGES) {
    try {
      return require(`${name}/${apiVersion}`);
    } catch (e) {
      // Each package exports only its own API groups.
      if (e.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED" && e.code !== "MODULE_NOT_FOUND") {
        throw e;
      }
    }
  }
  return null;
}

function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z0-9.\-/]+$/.test(apiVersion)) {
    return null;
  }
  const models = modelsOf(apiVersion);
  const model = models && Object.hasOwn(models, kind) ? models[kind] : null;
  // Every module also exports nested types (ObjectMeta, PodSpec): only a top-level kind has both.
  return model && model.apiVersion === apiVersion && model.kind === kind ? model : null;
}

function describe(error) {
  const path = error.instancePath || "/";
  const params = error.params && Object.keys(error.params).length > 0 ? ` ${JSON.stringify(error.params)}` : "";
  return `${path}: ${error.message}${params}`;
}

export function problems(text) {
  const found = [];
  let documents;
  try {
    documents = yaml.loadAll(text);
  } catch (e) {
    return [`the input is not YAML: ${e.message}`];
  }
  documents.forEach((object, index) => {
    if (object === null || object === undefined) {
      return;
    }
    const name = object?.metadata?.name ?? `(document ${index + 1}, no metadata.name)`;
    const where = `${object?.kind ?? "(no kind)"}/${name}`;
    const model = modelFor(object?.apiVersion, object?.kind);
    if (model === null) {
      found.push(`${where}: no schema for apiVersion ${JSON.stringify(object?.apiVersion)} kind ${JSON.stringify(object?.kind)}`);
      return;
    }
    try {
      new model(object).validate();
    } catch (e) {
      const details = Array.isArray(e.errors) && e.errors.length > 0 ? e.errors.map(describe) : [e.message];
      details.forEach((detail) => found.push(`${where}: ${detail}`));
    }
  });
  return found;
}

const found = problems(readFileSync(process.argv[2] ?? 0, "utf8"));
found.forEach((line) => console.log(line));
process.exit(found.length === 0 ? 0 : 3);
