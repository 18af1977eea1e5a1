pub mod embedded;
pub mod stream;
