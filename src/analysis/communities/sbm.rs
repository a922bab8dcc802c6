//! Weighted degree-corrected stochastic block model (being written).
