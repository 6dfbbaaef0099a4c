//! The registry's logic, one file per feature; `lib.rs` keeps the declarations and the calls,
//! which check their origin and hand over to the `do_*` functions here.

mod lifecycle;
mod ownership;
mod queries;
mod records;
mod registration;
mod subdomains;
