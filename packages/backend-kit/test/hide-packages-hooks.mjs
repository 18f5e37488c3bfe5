// Module hooks that make the packages named in MESH_PAY_HIDE_PACKAGES unresolvable, exactly as if
// they were not installed: what a shop on the memory store sees without the optional drivers.
const hidden = new Set((process.env.MESH_PAY_HIDE_PACKAGES ?? '').split(',').filter(Boolean));

export async function resolve(specifier, context, next) {
  if (hidden.has(specifier)) {
    const error = new Error(`Cannot find package '${specifier}' imported from ${context.parentURL}`);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}
