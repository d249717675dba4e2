//! Publishing catalogue versions: one stream whose events are the versions
//! in force, each with its whole document. The newest one is the catalogue.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use super::document::{CatalogueDocument, DocumentProblem};

/// The one stream of catalogue versions.
pub const CATALOGUE_STREAM: &str = "catalogue";

/// Why a version was not published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublicationError {
    #[error("version {offered} is not newer than the published version {current}")]
    VersionNotNewer { current: u32, offered: u32 },
    #[error("the catalogue document is invalid")]
    Invalid(Vec<DocumentProblem>),
}

impl PublicationError {
    /// The stable code clients may match on.
    pub fn code(&self) -> &'static str {
        match self {
            PublicationError::VersionNotNewer { .. } => "CATALOGUE_VERSION_NOT_NEWER",
            PublicationError::Invalid(_) => "VALIDATION_FAILED",
        }
    }
}

/// Publish a version of the catalogue.
#[derive(Debug, Clone)]
pub struct Publish {
    pub document: Box<CatalogueDocument>,
    /// Who publishes: an administrator's id, or the catalogue file at start.
    pub by: String,
    pub at: DateTime<Utc>,
}

/// What happens to the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CatalogueEvent {
    CataloguePublished {
        version: u32,
        /// SHA-256 of the document's JSON, so copies can be compared.
        content_hash: String,
        document: Box<CatalogueDocument>,
        published_by: String,
        at: DateTime<Utc>,
    },
}

impl DomainEvent for CatalogueEvent {
    fn event_type(&self) -> String {
        "CataloguePublished".to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

/// The catalogue's published versions: only the newest matters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CatalogueVersions {
    /// The version in force, if any was published.
    pub current: Option<Box<CatalogueDocument>>,
}

impl CatalogueVersions {
    /// The events publishing `command` appends, or why it may not.
    pub fn decide(&self, command: Publish) -> Result<Vec<CatalogueEvent>, PublicationError> {
        let doc = command.document;
        let mut problems = doc.problems();
        if let Some(current) = &self.current {
            if doc.version <= current.version {
                return Err(PublicationError::VersionNotNewer {
                    current: current.version,
                    offered: doc.version,
                });
            }
            problems.extend(doc.problems_after(current));
        }
        if !problems.is_empty() {
            return Err(PublicationError::Invalid(problems));
        }
        Ok(vec![CatalogueEvent::CataloguePublished {
            version: doc.version,
            content_hash: doc.content_hash(),
            document: doc,
            published_by: command.by,
            at: command.at,
        }])
    }
}

impl Aggregate for CatalogueVersions {
    const TYPE: &'static str = "catalogue";
    type Command = Publish;
    type Event = CatalogueEvent;
    type Error = PublicationError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        let CatalogueEvent::CataloguePublished { document, .. } = event;
        self.current = Some(document);
    }
}
