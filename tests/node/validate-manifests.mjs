// Validates Kubernetes and Istio objects against their published schemas (kubernetes-models and
// @kubernetes-models/istio, which compile the API server's OpenAPI and Istio's CRD schemas).
//   kubectl kustomize istio/overlays/prod | node tests/node/validate-manifests.mjs
// Reads multi-document YAML on stdin; prints one JSON line {"validated":N,"errors":[…]}; exits 1 on any error,
// including an object whose apiVersion and kind no package has a schema for.
import { parseAllDocuments } from "yaml";

// The module that holds an apiVersion's models: the core group ("v1"), another Kubernetes group, or Istio's.
function moduleOf(apiVersion, kind) {
  if (!apiVersion.includes("/")) return `kubernetes-models/${apiVersion}/${kind}`;
  const [group, version] = apiVersion.split("/");
  if (group.endsWith(".istio.io")) return `@kubernetes-models/istio/${group}/${version}/${kind}`;
  return `kubernetes-models/${group}/${version}/${kind}`;
}

async function validate(object) {
  const { apiVersion, kind } = object ?? {};
  const where = `${kind ?? "?"} ${object?.metadata?.name ?? "?"}`;
  if (!apiVersion || !kind) return `${where}: no apiVersion or kind`;
  let Model;
  try {
    Model = (await import(moduleOf(apiVersion, kind)))[kind];
  } catch {
    return `${where}: no schema for ${apiVersion} ${kind}`;
  }
  if (!Model) return `${where}: no schema for ${apiVersion} ${kind}`;
  try {
    new Model(object).validate();
    return null;
  } catch (error) {
    return `${where}: ${error.message}`;
  }
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const errors = [];
let validated = 0;
for (const document of parseAllDocuments(input)) {
  if (document.errors.length > 0) {
    errors.push(...document.errors.map((e) => `YAML: ${e.message}`));
    continue;
  }
  const object = document.toJS();
  if (object === null) continue;
  const error = await validate(object);
  if (error) errors.push(error);
  else validated++;
}
console.log(JSON.stringify({ validated, errors }));
process.exit(errors.length > 0 ? 1 : 0);
