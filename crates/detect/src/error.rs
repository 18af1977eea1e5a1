//! Why a rule file, a rule or an archive of rules could not be read. Each variant's message is
//! the reason shown to the person who uploaded the rule (it names the document, key, selection
//! or modifier at fault).

/// A refusal of the rule reader.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DetectError {
    /// The file is not YAML.
    #[error("{0}")]
    Yaml(String),
    /// A document is not a Sigma rule this engine can run exactly.
    #[error("{0}")]
    Rule(String),
    /// A `condition` cannot be parsed or names no selection.
    #[error("{0}")]
    Condition(String),
    /// A `.tar.gz` of rules cannot be read.
    #[error("{0}")]
    Archive(String),
}
