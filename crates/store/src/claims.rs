//! Address claims: a host's addresses and a network's range decide whose events, Botnet
//! findings and scanner findings those addresses are, so the store refuses a claim on what
//! another organisation already holds (see `canhgac_domain::net`).
//!
//! Two organisations may hold overlapping claims only when they are one family (one is the
//! other's parent or descendant) *and* the caller may act for the existing holder: a district
//! registers its sub-unit's range inside its own; a sub-unit cannot take its parent's server.

use crate::{Result, Store, StoreError};
use canhgac_domain::access::descendants;
use canhgac_domain::entity::{parse_cidr, EntityKind, FieldError, Record};
use canhgac_domain::net::{overlaps, Claim};
use canhgac_domain::Scope;
use ipnet::IpNet;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Whether records of this kind claim addresses.
pub(crate) fn claims_addresses(kind: EntityKind) -> bool {
    matches!(kind, EntityKind::Host | EntityKind::Network)
}

pub use canhgac_domain::net::host_addresses;

/// One stored claim: a host address or a network range.
#[derive(Debug, Clone)]
pub struct AddressClaim {
    /// Host or network.
    pub kind: EntityKind,
    /// Its claim (id, organisation, approval, prefix).
    pub claim: Claim,
    /// The address or range.
    pub net: IpNet,
}

impl Store {
    /// Every registered claim: host addresses and network ranges, oldest first.
    pub async fn address_claims(&self) -> Result<Vec<AddressClaim>> {
        let (hosts, nets) = on_pool!(self, pool => {
            let hosts = sqlx::query_as::<_, (i64, i64, Option<String>, i64)>(
                "SELECT id, org_id, ips, approved FROM hosts WHERE ips IS NOT NULL AND ips <> '' ORDER BY id",
            )
            .fetch_all(pool)
            .await?;
            let nets = sqlx::query_as::<_, (i64, i64, String, i64)>(
                "SELECT id, org_id, cidr, approved FROM networks ORDER BY id",
            )
            .fetch_all(pool)
            .await?;
            (hosts, nets)
        });
        let mut out = Vec::new();
        for (id, org_id, ips, approved) in hosts {
            for ip in host_addresses(ips.as_deref().unwrap_or("")) {
                let net = IpNet::from(ip);
                out.push(AddressClaim {
                    kind: EntityKind::Host,
                    claim: Claim {
                        id,
                        org_id,
                        approved: approved != 0,
                        prefix: net.prefix_len(),
                    },
                    net,
                });
            }
        }
        for (id, org_id, cidr, approved) in nets {
            if let Some(net) = parse_cidr(&cidr) {
                out.push(AddressClaim {
                    kind: EntityKind::Network,
                    claim: Claim {
                        id,
                        org_id,
                        approved: approved != 0,
                        prefix: net.prefix_len(),
                    },
                    net,
                });
            }
        }
        Ok(out)
    }

    /// Refuses records whose addresses or range another organisation holds. `recs` are
    /// validated records with their id when they replace a stored one; earlier records of the
    /// same batch count as claims for later ones. Every conflict is reported, on the field
    /// (`ips` or `cidr`); the holder is named only to a caller who sees the whole province.
    pub(crate) async fn check_claims(
        &self,
        kind: EntityKind,
        scope: &Scope,
        recs: &[(Option<i64>, &Record)],
    ) -> Result<()> {
        let errors: Vec<FieldError> = self
            .claim_conflicts(kind, scope, recs)
            .await?
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Invalid(errors))
        }
    }

    /// The conflicts [`Store::check_claims`] refuses, each with the index of its record in
    /// `recs` (so an import can name the file's row); at most 100.
    pub async fn claim_conflicts(
        &self,
        kind: EntityKind,
        scope: &Scope,
        recs: &[(Option<i64>, &Record)],
    ) -> Result<Vec<(usize, FieldError)>> {
        if !claims_addresses(kind) {
            return Ok(Vec::new());
        }
        let tree = self.org_tree().await?;
        let codes: HashMap<i64, String> = self
            .org_codes()
            .await?
            .into_iter()
            .map(|(c, id)| (id, c))
            .collect();
        let mut claims = self.address_claims().await?;
        let mut errors = Vec::new();
        for (index, (id, rec)) in recs.iter().enumerate() {
            let Some(org) = rec.get("org_id").and_then(Value::as_i64) else {
                continue;
            };
            let family = family(org, &tree);
            let (field, mine): (&str, Vec<IpNet>) = match kind {
                EntityKind::Network => (
                    "cidr",
                    rec.get("cidr")
                        .and_then(Value::as_str)
                        .and_then(parse_cidr)
                        .into_iter()
                        .collect(),
                ),
                _ => (
                    "ips",
                    host_addresses(rec.get("ips").and_then(Value::as_str).unwrap_or(""))
                        .map(IpNet::from)
                        .collect(),
                ),
            };
            let mut named = BTreeSet::new();
            for n in &mine {
                for c in &claims {
                    let same_record = c.kind == kind && Some(c.claim.id) == *id;
                    let other = c.claim.org_id;
                    let allowed =
                        other == org || (family.contains(&other) && scope.contains(other));
                    if same_record || allowed || !overlaps(n, &c.net) {
                        continue;
                    }
                    named.insert((n.to_string(), c.net.to_string(), other));
                }
            }
            for (mine, theirs, other) in named {
                let what = if mine == theirs {
                    mine.clone()
                } else {
                    format!("{mine} / {theirs}")
                };
                let (vi, en) = if *scope == Scope::All {
                    let code = codes
                        .get(&other)
                        .cloned()
                        .unwrap_or_else(|| other.to_string());
                    (
                        format!("{what}: địa chỉ đã được đơn vị {code} đăng ký"),
                        format!("{what}: already registered by {code}"),
                    )
                } else {
                    (
                        format!(
                            "{mine}: địa chỉ đã được một đơn vị khác đăng ký; đề nghị Sở TTTT xác nhận"
                        ),
                        format!(
                            "{mine}: already registered by another organisation; ask the DIC to confirm"
                        ),
                    )
                };
                if errors.len() < 100 {
                    errors.push((index, FieldError::new(field, vi, en)));
                }
            }
            // This record's claims hold for the records after it in the batch.
            for net in mine {
                claims.push(AddressClaim {
                    kind,
                    claim: Claim {
                        id: id.unwrap_or(-1),
                        org_id: org,
                        approved: *scope == Scope::All,
                        prefix: net.prefix_len(),
                    },
                    net,
                });
            }
        }
        Ok(errors)
    }
}

/// An organisation with its ancestors and descendants.
fn family(org: i64, tree: &[(i64, Option<i64>)]) -> BTreeSet<i64> {
    let mut out = descendants(org, tree);
    let parent: HashMap<i64, Option<i64>> = tree.iter().copied().collect();
    let mut at = org;
    while let Some(Some(p)) = parent.get(&at) {
        if !out.insert(*p) {
            break;
        }
        at = *p;
    }
    out
}
