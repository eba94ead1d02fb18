//! stsenv: AWS temporary credentials for the shell.
//!
//! The flow, one module each: [`cli`] → [`profile`] files → [`plan`] (source + STS steps) →
//! [`obtain`] (runs the plan: [`cache`], [`mfa`], [`sts`]) → [`vars`] → [`render`] shell code.
//! [`cmd`] has one file per subcommand; `shell/` holds the shell integration scripts.

pub mod browser;
pub mod cache;
pub mod cli;
pub mod client;
pub mod cmd;
pub mod command;
pub mod credential_server;
pub mod credentials_file;
pub mod creds;
pub mod duration;
pub mod error;
pub mod iam;
pub mod loopback;
pub mod memo;
pub mod mfa;
pub mod obtain;
pub mod picker;
pub mod plan;
pub mod populate;
pub mod profile;
pub mod render;
pub mod secrets;
pub mod signin;
pub mod source;
pub mod store;
pub mod sts;
pub mod vars;
