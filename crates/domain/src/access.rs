//! Roles and organisation scope.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// A user's role. The DIC's roles see the whole province; the others see only their
/// own organisation and the organisations below it in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// DIC administrator: everything, including users of every organisation.
    DicAdmin,
    /// DIC duty operator: reads and changes every organisation's records.
    DicOperator,
    /// Administrator of one organisation: its records and its users.
    OrgAdmin,
    /// IT staff of one organisation: its records.
    OrgStaff,
    /// Staff of a telecom operator: its records.
    TelecomStaff,
    /// Read-only: the whole province when attached to no organisation (auditors,
    /// leadership), else one organisation.
    Viewer,
}

impl Role {
    /// Every role, in order of decreasing power.
    pub const ALL: [Role; 6] = [
        Role::DicAdmin,
        Role::DicOperator,
        Role::OrgAdmin,
        Role::OrgStaff,
        Role::TelecomStaff,
        Role::Viewer,
    ];

    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::DicAdmin => "dic_admin",
            Role::DicOperator => "dic_operator",
            Role::OrgAdmin => "org_admin",
            Role::OrgStaff => "org_staff",
            Role::TelecomStaff => "telecom_staff",
            Role::Viewer => "viewer",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::DicAdmin => "Quản trị Sở TTTT",
            Role::DicOperator => "Cán bộ trực Sở TTTT",
            Role::OrgAdmin => "Quản trị đơn vị",
            Role::OrgStaff => "Cán bộ CNTT đơn vị",
            Role::TelecomStaff => "Cán bộ doanh nghiệp viễn thông",
            Role::Viewer => "Chỉ xem",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Role::DicAdmin => "DIC administrator",
            Role::DicOperator => "DIC operator",
            Role::OrgAdmin => "Organisation administrator",
            Role::OrgStaff => "Organisation IT staff",
            Role::TelecomStaff => "Telecom operator staff",
            Role::Viewer => "Read-only",
        }
    }

    /// The DIC's own roles see the whole province.
    pub fn is_dic(self) -> bool {
        matches!(self, Role::DicAdmin | Role::DicOperator)
    }

    /// Whether this role must belong to an organisation.
    pub fn needs_org(self) -> bool {
        matches!(self, Role::OrgAdmin | Role::OrgStaff | Role::TelecomStaff)
    }

    /// May create, edit and delete records within its scope.
    pub fn can_write(self) -> bool {
        !matches!(self, Role::Viewer)
    }

    /// May manage organisations themselves (create, move, delete).
    pub fn can_manage_orgs(self) -> bool {
        self.is_dic()
    }

    /// May manage user accounts (the DIC admin everywhere, an org admin in its scope).
    pub fn can_manage_users(self) -> bool {
        matches!(self, Role::DicAdmin | Role::OrgAdmin)
    }

    /// Which roles this role may grant to a user it manages.
    pub fn may_grant(self, other: Role) -> bool {
        match self {
            Role::DicAdmin => true,
            Role::OrgAdmin => matches!(
                other,
                Role::OrgAdmin | Role::OrgStaff | Role::TelecomStaff | Role::Viewer
            ),
            _ => false,
        }
    }

    /// May read the audit log.
    pub fn can_read_audit(self) -> bool {
        self.is_dic()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The set of organisations a caller may see. Built once per request from the
/// caller's role and organisation; every store query takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole province.
    All,
    /// These organisations only (an organisation and its descendants).
    Orgs(BTreeSet<i64>),
}

impl Scope {
    /// Builds the scope of a user from their role, their organisation and the
    /// organisation tree given as `(id, parent_id)` pairs.
    pub fn for_user(role: Role, org_id: Option<i64>, tree: &[(i64, Option<i64>)]) -> Scope {
        if role.is_dic() {
            return Scope::All;
        }
        match org_id {
            None if role == Role::Viewer => Scope::All,
            None => Scope::Orgs(BTreeSet::new()),
            Some(root) => Scope::Orgs(descendants(root, tree)),
        }
    }

    /// Whether records of organisation `org` are visible.
    pub fn contains(&self, org: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Orgs(set) => set.contains(&org),
        }
    }

    /// The ids of the scope, or `None` for the whole province.
    pub fn ids(&self) -> Option<Vec<i64>> {
        match self {
            Scope::All => None,
            Scope::Orgs(set) => Some(set.iter().copied().collect()),
        }
    }
}

/// `root` and every organisation below it; robust to cycles in bad data.
pub fn descendants(root: i64, tree: &[(i64, Option<i64>)]) -> BTreeSet<i64> {
    let mut out = BTreeSet::from([root]);
    loop {
        let before = out.len();
        for &(id, parent) in tree {
            if let Some(p) = parent {
                if out.contains(&p) {
                    out.insert(id);
                }
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &[(i64, Option<i64>)] = &[
        (1, None),
        (2, Some(1)),
        (3, Some(1)),
        (4, Some(3)),
        (5, None),
    ];

    #[test]
    fn dic_roles_see_everything() {
        assert_eq!(Scope::for_user(Role::DicAdmin, Some(1), TREE), Scope::All);
        assert_eq!(Scope::for_user(Role::DicOperator, None, TREE), Scope::All);
    }

    #[test]
    fn org_roles_see_their_subtree_only() {
        let s = Scope::for_user(Role::OrgStaff, Some(3), TREE);
        assert!(s.contains(3) && s.contains(4));
        assert!(!s.contains(1) && !s.contains(2) && !s.contains(5));
    }

    #[test]
    fn org_role_without_org_sees_nothing() {
        let s = Scope::for_user(Role::OrgAdmin, None, TREE);
        assert!(!s.contains(1));
        assert_eq!(s.ids(), Some(vec![]));
    }

    #[test]
    fn viewer_without_org_reads_province() {
        assert_eq!(Scope::for_user(Role::Viewer, None, TREE), Scope::All);
        assert!(!Role::Viewer.can_write());
    }

    #[test]
    fn cycles_terminate() {
        let cyc = [(1, Some(2)), (2, Some(1))];
        assert_eq!(descendants(1, &cyc).len(), 2);
    }

    #[test]
    fn org_admin_cannot_grant_dic_roles() {
        assert!(!Role::OrgAdmin.may_grant(Role::DicAdmin));
        assert!(!Role::OrgAdmin.may_grant(Role::DicOperator));
        assert!(Role::OrgAdmin.may_grant(Role::OrgStaff));
        assert!(!Role::OrgStaff.may_grant(Role::Viewer));
    }

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
