//! The local bases: static keys, the environment's keys, a `credential_process`, the container
//! endpoint and instance metadata.

use super::*;

pub(super) fn base_credentials(ctx: &Context, plan: &Plan, step: &Step) -> Result<Credentials> {
    ctx.debug(format_args!("{}", step.describe()));
    match step {
        Step::StaticKeys { profile, keys } => {
            let creds = Credentials {
                access_key_id: keys.access_key_id.clone(),
                secret_access_key: keys.secret_access_key.clone(),
                session_token: keys.session_token.clone(),
                expiration: None,
                account_id: plan.account_id.clone(),
            };
            creds.check_text().map_err(|field| ProfileError::Invalid {
                profile: profile.clone(),
                message: format!("its keys hold a NUL byte (in `{field}`)"),
                help: "remove the NUL byte from the config or credentials file".into(),
            })?;
            Ok(creds)
        }
        Step::Environment { profile, keys } => {
            let Some(keys) = keys else {
                return Err(ProfileError::EnvironmentKeysMissing {
                    profile: profile.clone(),
                }
                .into());
            };
            Ok(Credentials {
                access_key_id: keys.access_key_id.clone(),
                secret_access_key: keys.secret_access_key.clone(),
                session_token: keys.session_token.clone(),
                expiration: None,
                account_id: None,
            })
        }
        Step::Process { profile, command } => {
            process::credentials(ctx, &plan.profile, profile, command)
        }
        Step::Container(c) => {
            crate::aws::metadata::container_credentials(c, ctx.now()).map_err(|message| {
                MetadataError {
                    what: "container credentials",
                    profile: c.profile.clone(),
                    endpoint: c.url.clone(),
                    message,
                }
                .into()
            })
        }
        Step::InstanceMetadata(i) => crate::aws::metadata::instance_credentials(i, ctx.now())
            .map_err(|message| {
                MetadataError {
                    what: "instance metadata credentials",
                    profile: i.profile.clone(),
                    endpoint: i.endpoint.clone(),
                    message,
                }
                .into()
            }),
        Step::WebIdentity(_) | Step::MfaSession(_) | Step::AssumeRole(_) | Step::Sso(_) => {
            unreachable!("only a local base makes credentials without calling AWS")
        }
    }
}
