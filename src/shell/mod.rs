//! Placeholder until the dialect modules land.
use zeroize::Zeroizing;
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect { Bash, Zsh, Sh, Fish, PowerShell, Nushell, Elvish, Dotenv, Json }
impl Dialect {
    pub fn from_name(s: &str) -> Option<Dialect> { match s { "bash" => Some(Dialect::Bash), "sh" => Some(Dialect::Sh), _ => None } }
    pub fn from_shell_path(s: &str) -> Option<Dialect> { Self::from_name(s.rsplit('/').next()?) }
}
#[derive(Debug, Clone, Copy)]
pub enum Var<'a> { Set(&'a str, &'a str), Unset(&'a str) }
pub fn render(_d: Dialect, vars: &[Var<'_>]) -> Zeroizing<String> {
    let mut s = String::new();
    for v in vars { match v { Var::Set(k, v) => s.push_str(&format!("export {k}='{}'\n", v.replace('\'', "'\\''"))), Var::Unset(k) => s.push_str(&format!("unset {k}\n")) } }
    Zeroizing::new(s)
}
