//! Which rules apply to which events, by log source.
//!
//! An event is tested only against rules whose product, category and service all agree with
//! it; a key the rule names but the event lacks does not agree (an sshd line has a service but
//! no category, so `process_creation` rules do not run on it). So an event whose log source is
//! entirely unknown (random text, a JSON line with nothing to go by) runs only the rules that
//! name no log source at all: a Zeek rule never fires on a line that is not Zeek's, however
//! its words happen to fall. (`canhgac detect --every-rule` is the opt-out, for comparing
//! with engines that do not route.) Taxonomy aliases are honoured: Sysmon's `registry_add`, `registry_set`,
//! `registry_delete` and `registry_rename` are also `registry_event`; `sshd`, `sudo`, `su`,
//! `login` and `pam` lines are also `auth`.

use crate::event::EventSource;
use crate::rule::LogSource;

fn category_aliases(event_cat: &str) -> &'static [&'static str] {
    match event_cat {
        "registry_add" | "registry_set" | "registry_delete" | "registry_rename" => {
            &["registry_event"]
        }
        _ => &[],
    }
}

fn service_aliases(event_service: &str) -> &'static [&'static str] {
    match event_service {
        "sshd" | "sudo" | "su" | "login" | "pam" | "passwd" | "useradd" | "groupadd" => &["auth"],
        _ => &[],
    }
}

fn agree(
    rule: &Option<String>,
    event: Option<&str>,
    aliases: fn(&str) -> &'static [&'static str],
) -> bool {
    match (rule, event) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(r), Some(e)) => r == e || aliases(e).contains(&r.as_str()),
    }
}

/// Whether a rule with log source `rule` should be tested on an event from `event`.
pub fn applies(rule: &LogSource, event: &EventSource) -> bool {
    agree(&rule.product, event.product.as_deref(), |_| &[])
        && agree(&rule.category, event.category.as_deref(), category_aliases)
        && agree(&rule.service, event.service.as_deref(), service_aliases)
}

/// Whether every event a rule with log source `rule` sees is within `filter`'s log source (for
/// filters that name no rules).
pub fn rule_within(rule: &LogSource, filter: &LogSource) -> bool {
    let ok = |f: &Option<String>, r: &Option<String>| f.is_none() || f == r;
    ok(&filter.product, &rule.product)
        && ok(&filter.category, &rule.category)
        && ok(&filter.service, &rule.service)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(p: Option<&str>, c: Option<&str>, s: Option<&str>) -> LogSource {
        LogSource {
            product: p.map(Into::into),
            category: c.map(Into::into),
            service: s.map(Into::into),
        }
    }
    fn ev(
        p: Option<&'static str>,
        c: Option<&'static str>,
        s: Option<&'static str>,
    ) -> EventSource {
        EventSource {
            product: p.map(Into::into),
            category: c.map(Into::into),
            service: s.map(Into::into),
        }
    }

    #[test]
    fn agreement() {
        let pc = ls(Some("windows"), Some("process_creation"), None);
        assert!(applies(
            &pc,
            &ev(Some("windows"), Some("process_creation"), Some("sysmon"))
        ));
        assert!(!applies(&pc, &ev(Some("windows"), None, Some("security"))));
        // Unknown events run only log-source-less rules.
        assert!(!applies(&pc, &EventSource::default()));
        assert!(!applies(
            &ls(Some("zeek"), None, Some("rdp")),
            &EventSource::default()
        ));
        assert!(applies(&ls(None, None, None), &EventSource::default()));
        assert!(!applies(
            &ls(None, Some("firewall"), None),
            &ev(Some("linux"), None, Some("syslog"))
        ));
        assert!(applies(
            &ls(Some("linux"), None, Some("auth")),
            &ev(Some("linux"), None, Some("sshd"))
        ));
        assert!(applies(
            &ls(Some("windows"), Some("registry_event"), None),
            &ev(Some("windows"), Some("registry_set"), Some("sysmon"))
        ));
        assert!(!applies(
            &ls(Some("linux"), None, None),
            &ev(Some("windows"), None, Some("security"))
        ));
    }
}
