//! connectoscope: connectomes in 3D with live dynamics, communities and capture.
//!
//! The core (`model`, `io`, and later `sim`, `analysis`) has no dependency on the renderer;
//! the desktop app lives in `app`.

pub mod analysis;
#[cfg(feature = "app")]
pub mod app;
pub mod cli;
pub mod io;
pub mod model;
pub mod sim;

pub use model::{Connectome, EdgeKind, Sign};
