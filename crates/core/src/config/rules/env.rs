//! `env`: the names of the injected env vars.

use super::Checker;
use crate::config::raw::RawEnv;
use crate::config::{Entry, EnvNames, Source};
use crate::k8s;

impl Checker<'_> {
    /// `env` overrides of the injected env var names. They must be valid and must not collide,
    /// including with the per-credential names `<credentialsPrefix><ENTRY>`.
    pub(in crate::config) fn env_names<'e>(
        &mut self,
        raw: Option<&RawEnv>,
        entries: impl Iterator<Item = &'e Entry>,
    ) -> EnvNames {
        let mut env = EnvNames::default();
        let Some(raw) = raw else {
            return env;
        };
        let fields: [(&str, &Option<String>, &mut String); 5] = [
            ("dataPaths", &raw.data_paths, &mut env.data_paths),
            ("outputsPath", &raw.outputs_path, &mut env.outputs_path),
            (
                "storesAccessKeys",
                &raw.stores_access_keys,
                &mut env.stores_access_keys,
            ),
            (
                "credentialsPrefix",
                &raw.credentials_prefix,
                &mut env.credentials_prefix,
            ),
            (
                "googleCredentials",
                &raw.google_credentials,
                &mut env.google_credentials,
            ),
        ];
        for (key, value, slot) in fields {
            if let Some(name) = value {
                if !k8s::is_env_name(name) {
                    self.error(
                        &format!("persistence.env.{key}"),
                        format!("`{name}` is not a valid env var name"),
                        Some("use letters, digits and `_`, not starting with a digit".into()),
                    );
                }
                *slot = name.clone();
            }
        }
        let mut names = vec![
            ("dataPaths", env.data_paths.clone()),
            ("outputsPath", env.outputs_path.clone()),
            ("storesAccessKeys", env.stores_access_keys.clone()),
            ("googleCredentials", env.google_credentials.clone()),
        ];
        for e in entries {
            if matches!(e.source, Source::Bucket { .. }) {
                let var = format!(
                    "{}{}",
                    env.credentials_prefix,
                    e.name.to_uppercase().replace('-', "_")
                );
                names.push(("credentialsPrefix", var));
            }
        }
        for (j, (key, name)) in names.iter().enumerate() {
            if let Some((other, _)) = names[..j].iter().find(|(_, n)| n == name) {
                self.error(
                    &format!("persistence.env.{key}"),
                    format!("env var `{name}` would be injected twice (also from `env.{other}`)"),
                    Some("give each injected env var its own name".into()),
                );
            }
        }
        env
    }
}
