//! Links to Asterisk's own documentation of an operation, model or event:
//! every URL the generated docs carry is built here.
//!
//! docs.asterisk.org (MkDocs, one documentation set per supported major)
//! publishes the ARI reference as pages generated from the same api-docs:
//!
//! - one page per resource, `…/Asterisk_REST_Interface/<Resource>_REST_API/`,
//!   `<Resource>` being the resource's name with its first letter upper case
//!   and the rest lower case (`deviceStates` -> `Devicestates`), with one
//!   heading per operation titled by its nickname;
//! - one page of every model and event,
//!   `…/Asterisk_REST_Interface/Asterisk_REST_Data_Models/`, one heading per
//!   model titled by its name.
//!
//! MkDocs' default anchors are the heading in lower case
//! (`#originatewithid`, `#stasisstart`).
//!
//! The sets are `Asterisk_<major>_Documentation` for the majors the site
//! still publishes, 18 to 23 when this was written (checked against the
//! site's navigation and pages such as
//! `Asterisk_22_Documentation/API_Documentation/Asterisk_REST_Interface/Channels_REST_API/`
//! and `Asterisk_20_Documentation/…/Asterisk_REST_Data_Models/`). The site
//! dropped the sets of 13 to 17 (16's briefly existed without the ARI pages),
//! so those majors link to the oldest set it has, 18's: the page is the
//! same, an item that 18 removed has no heading there, and the module's doc
//! says so. A major newer than the newest known set links to `Latest_API`.

/// The majors with their own documentation set on docs.asterisk.org.
const PUBLISHED: std::ops::RangeInclusive<u32> = 18..=23;

const SITE: &str = "https://docs.asterisk.org";

/// The documentation set a major's links point into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocSet {
    /// `Asterisk_<major>_Documentation`, the major's own.
    Own(u32),
    /// An older major's links: the oldest published set, `Asterisk_18_…`.
    Oldest(u32),
    /// A major newer than the known sets: `Latest_API`.
    Latest,
}

impl DocSet {
    /// The set for `major`.
    pub fn for_major(major: u32) -> DocSet {
        if PUBLISHED.contains(&major) {
            DocSet::Own(major)
        } else if major < *PUBLISHED.start() {
            DocSet::Oldest(*PUBLISHED.start())
        } else {
            DocSet::Latest
        }
    }

    fn folder(self) -> String {
        match self {
            DocSet::Own(major) | DocSet::Oldest(major) => {
                format!("Asterisk_{major}_Documentation")
            }
            DocSet::Latest => "Latest_API".to_string(),
        }
    }

    /// The set's ARI section.
    pub fn home(self) -> String {
        format!("{}/", self.ari_root())
    }

    fn ari_root(self) -> String {
        format!(
            "{SITE}/{}/API_Documentation/Asterisk_REST_Interface",
            self.folder()
        )
    }

    /// The page of a resource's REST operations.
    pub fn resource_page(self, resource: &str) -> String {
        format!("{}/{}_REST_API/", self.ari_root(), page_title(resource))
    }

    /// An operation's heading on its resource's page.
    pub fn operation(self, resource: &str, nickname: &str) -> String {
        format!(
            "{}#{}",
            self.resource_page(resource),
            nickname.to_lowercase()
        )
    }

    /// A model's or an event's heading on the data models page.
    pub fn model(self, name: &str) -> String {
        format!(
            "{}/Asterisk_REST_Data_Models/#{}",
            self.ari_root(),
            name.to_lowercase()
        )
    }

    /// For the module's doc: which set the links go to, when it is not the
    /// major's own.
    pub fn note(self, major: u32) -> Option<String> {
        match self {
            DocSet::Own(_) => None,
            DocSet::Oldest(set) => Some(format!(
                "docs.asterisk.org no longer has a documentation set for Asterisk {major}: \
                 the links to Asterisk's documentation go to the Asterisk {set} set, the \
                 oldest it publishes, where an item that {set} no longer has is missing."
            )),
            DocSet::Latest => Some(format!(
                "docs.asterisk.org had no documentation set for Asterisk {major} when this \
                 generator was written: the links go to its latest set."
            )),
        }
    }
}

/// `deviceStates` -> `Devicestates`, as the site titles resource pages.
fn page_title(resource: &str) -> String {
    let mut chars = resource.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_sites_urls() {
        assert_eq!(
            DocSet::for_major(22).operation("channels", "originate"),
            "https://docs.asterisk.org/Asterisk_22_Documentation/API_Documentation/\
             Asterisk_REST_Interface/Channels_REST_API/#originate"
        );
        assert_eq!(
            DocSet::for_major(20).model("StasisStart"),
            "https://docs.asterisk.org/Asterisk_20_Documentation/API_Documentation/\
             Asterisk_REST_Interface/Asterisk_REST_Data_Models/#stasisstart"
        );
        assert_eq!(
            DocSet::for_major(18).resource_page("deviceStates"),
            "https://docs.asterisk.org/Asterisk_18_Documentation/API_Documentation/\
             Asterisk_REST_Interface/Devicestates_REST_API/"
        );
        assert_eq!(DocSet::for_major(13), DocSet::Oldest(18));
        assert!(DocSet::for_major(99)
            .operation("widgets", "moveIt")
            .ends_with(
                "/Latest_API/API_Documentation/Asterisk_REST_Interface/Widgets_REST_API/#moveit"
            ));
        assert!(DocSet::for_major(21).note(21).is_none());
        assert!(DocSet::for_major(16).note(16).is_some());
    }
}
