//! Analyses over a connectome: layouts (and, later, communities, functional connectivity,
//! tensor factorisation and metrics). No rendering code here.

pub mod communities;
pub mod functional;
pub mod layout;
