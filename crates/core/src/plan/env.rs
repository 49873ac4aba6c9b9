//! The env vars of a workload, rendered from the env template.

use serde_json::Value;

use super::{Injector, Memo, Selected};

impl Injector<'_> {
    /// The env vars of one workload: what `Renderer::env` gives for `context(outputs_path,
    /// stores_access_keys)`.
    ///
    /// The rest of the context is the same for every workload with the same selection of entries.
    /// The built-in template uses the two strings only as `{{#if x}}` and `value: {{json x}}`, so
    /// its parsed output for any non-empty strings is its output for placeholder strings with the
    /// placeholders replaced: render, parse and validate once per selection and per emptiness of
    /// the two. Only plain printable ASCII strings take this path (their JSON quoting reads back
    /// as themselves); an override template, other strings or any error take the direct path, so
    /// results and messages are the same either way.
    pub(super) fn env(
        &self,
        memo: &mut Memo,
        selected: &Selected,
        outputs_path: &str,
        stores_access_keys: &str,
        context: impl Fn(&str, &str) -> Value,
    ) -> Result<Vec<Value>, String> {
        const OUT: &str = "\u{1}stowage-outputs-path\u{1}";
        const KEYS: &str = "\u{1}stowage-stores-access-keys\u{1}";
        let (out, keys) = (outputs_path, stores_access_keys);
        let plain = |s: &str| s.bytes().all(|b| (0x20..0x7f).contains(&b));
        if !self.renderer.env_is_builtin() || !plain(out) || !plain(keys) {
            return self.renderer.env(&context(out, keys));
        }
        let key = (selected.clone(), !out.is_empty(), !keys.is_empty());
        let mut env = match memo.env.get(&key) {
            Some(env) => env.clone(),
            None => {
                let placeholder = |s: &str, p: &'static str| if s.is_empty() { "" } else { p };
                match self
                    .renderer
                    .env(&context(placeholder(out, OUT), placeholder(keys, KEYS)))
                {
                    Ok(env) => {
                        memo.env.insert(key, env.clone());
                        env
                    }
                    Err(_) => return self.renderer.env(&context(out, keys)),
                }
            }
        };
        fn fill(v: &mut Value, out: &str, keys: &str) {
            match v {
                Value::String(s) if s == OUT => *s = out.to_string(),
                Value::String(s) if s == KEYS => *s = keys.to_string(),
                Value::Array(a) => a.iter_mut().for_each(|v| fill(v, out, keys)),
                Value::Object(m) => m.values_mut().for_each(|v| fill(v, out, keys)),
                _ => {}
            }
        }
        env.iter_mut().for_each(|v| fill(v, out, keys));
        Ok(env)
    }
}
