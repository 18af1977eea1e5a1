//! The registry's entities (M1) described once: their fields, labels in Vietnamese and
//! English, types and validation. The store builds its SQL from these descriptors, the
//! web UI its forms and tables, the importer its column checks — one definition each.

use ipnet::IpNet;
use serde::Serialize;
use serde_json::{Map, Value};
use std::net::IpAddr;

/// A record as it travels between layers: field name to JSON value.
pub type Record = Map<String, Value>;

/// One allowed value of an enumerated field.
#[derive(Debug, Clone, Copy)]
pub struct Choice {
    /// Stored value.
    pub value: &'static str,
    /// Vietnamese label.
    pub vi: &'static str,
    /// English label.
    pub en: &'static str,
}

const fn c(value: &'static str, vi: &'static str, en: &'static str) -> Choice {
    Choice { value, vi, en }
}

/// Organisation kinds in a province.
pub const ORG_KINDS: &[Choice] = &[
    c(
        "dic",
        "Sở TTTT",
        "Department of Information and Communications",
    ),
    c("agency", "Sở, ban, ngành", "Provincial agency"),
    c(
        "district",
        "UBND huyện, thành phố",
        "District / city People's Committee",
    ),
    c("telecom", "Doanh nghiệp viễn thông", "Telecom operator"),
    c("national", "Cơ quan Trung ương", "National authority"),
];

/// Host kinds.
pub const HOST_KINDS: &[Choice] = &[
    c("server", "Máy chủ", "Server"),
    c("workstation", "Máy trạm", "Workstation"),
    c("network", "Thiết bị mạng", "Network device"),
];

/// Packaging schemes of installed software (they decide version comparison later).
pub const PACKAGE_SCHEMES: &[Choice] = &[
    c("deb", "Gói Debian/Ubuntu (deb)", "Debian package (deb)"),
    c("rpm", "Gói RHEL (rpm)", "RHEL package (rpm)"),
    c("msi", "Phần mềm Windows (msi)", "Windows software (msi)"),
    c("pypi", "Gói Python (PyPI)", "Python package (PyPI)"),
    c("npm", "Gói Node.js (npm)", "Node.js package (npm)"),
    c("generic", "Khác", "Generic"),
];

/// What a field holds, which decides its validation, storage and widget.
#[derive(Debug, Clone, Copy)]
pub enum FieldType {
    /// Short code: letters, digits, `-` and `_`, stored upper case.
    Code,
    /// One line of text.
    Text,
    /// Several lines of text.
    LongText,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// An integer within bounds.
    Int { min: i64, max: i64 },
    /// One of a fixed set of values.
    Enum(&'static [Choice]),
    /// The owning organisation (`org_id`; `org` = its code in files).
    OrgRef,
    /// The parent organisation (`parent_id`; `parent` = its code in files).
    ParentRef,
    /// An information system of the same organisation (`system` = its name in files).
    SystemRef,
    /// A host of the same organisation (`host` = its host name in files).
    HostRef,
    /// An IPv4 or IPv6 network in CIDR notation, stored normalised.
    Cidr,
    /// IPv4/IPv6 addresses separated by commas or spaces, stored as `a, b`.
    IpList,
}

impl FieldType {
    /// Whether the stored value is an integer.
    pub fn is_int(self) -> bool {
        matches!(
            self,
            FieldType::Int { .. }
                | FieldType::OrgRef
                | FieldType::ParentRef
                | FieldType::SystemRef
                | FieldType::HostRef
        )
    }

    /// Whether this is a reference to another record.
    pub fn is_ref(self) -> bool {
        matches!(
            self,
            FieldType::OrgRef | FieldType::ParentRef | FieldType::SystemRef | FieldType::HostRef
        )
    }
}

/// One field of an entity.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Column and JSON name.
    pub name: &'static str,
    /// Column name in CSV/XLSX files (references go by code or name, not id).
    pub file_name: &'static str,
    /// Vietnamese label.
    pub vi: &'static str,
    /// English label.
    pub en: &'static str,
    /// Type.
    pub ty: FieldType,
    /// Must be present.
    pub required: bool,
    /// Shown as a column in lists.
    pub listed: bool,
    /// Matched by free-text search `q`.
    pub searchable: bool,
}

const fn f(
    name: &'static str,
    vi: &'static str,
    en: &'static str,
    ty: FieldType,
    required: bool,
    listed: bool,
    searchable: bool,
) -> Field {
    let file_name = match ty {
        FieldType::OrgRef => "org",
        FieldType::ParentRef => "parent",
        FieldType::SystemRef => "system",
        FieldType::HostRef => "host",
        _ => name,
    };
    Field {
        name,
        file_name,
        vi,
        en,
        ty,
        required,
        listed,
        searchable,
    }
}

const ORG_FIELDS: &[Field] = &[
    f(
        "code",
        "Mã đơn vị",
        "Code",
        FieldType::Code,
        true,
        true,
        true,
    ),
    f(
        "name",
        "Tên đơn vị",
        "Name",
        FieldType::Text,
        true,
        true,
        true,
    ),
    f(
        "kind",
        "Loại",
        "Kind",
        FieldType::Enum(ORG_KINDS),
        true,
        true,
        false,
    ),
    f(
        "parent_id",
        "Đơn vị cấp trên",
        "Parent",
        FieldType::ParentRef,
        false,
        true,
        false,
    ),
    f(
        "address",
        "Địa chỉ",
        "Address",
        FieldType::Text,
        false,
        false,
        true,
    ),
    f(
        "phone",
        "Điện thoại",
        "Phone",
        FieldType::Phone,
        false,
        false,
        false,
    ),
    f(
        "email",
        "Thư điện tử",
        "E-mail",
        FieldType::Email,
        false,
        false,
        true,
    ),
];

const NETWORK_FIELDS: &[Field] = &[
    f(
        "org_id",
        "Đơn vị",
        "Organisation",
        FieldType::OrgRef,
        true,
        true,
        false,
    ),
    f(
        "cidr",
        "Dải địa chỉ (CIDR)",
        "Range (CIDR)",
        FieldType::Cidr,
        true,
        true,
        true,
    ),
    f(
        "description",
        "Mô tả",
        "Description",
        FieldType::Text,
        false,
        true,
        true,
    ),
];

const SYSTEM_FIELDS: &[Field] = &[
    f(
        "org_id",
        "Đơn vị",
        "Organisation",
        FieldType::OrgRef,
        true,
        true,
        false,
    ),
    f(
        "name",
        "Tên hệ thống",
        "Name",
        FieldType::Text,
        true,
        true,
        true,
    ),
    f(
        "level",
        "Cấp độ",
        "Security level",
        FieldType::Int { min: 1, max: 5 },
        true,
        true,
        false,
    ),
    f(
        "owner",
        "Chủ quản / phụ trách",
        "Owner",
        FieldType::Text,
        false,
        true,
        true,
    ),
    f(
        "description",
        "Mô tả",
        "Description",
        FieldType::LongText,
        false,
        false,
        true,
    ),
];

const HOST_FIELDS: &[Field] = &[
    f(
        "org_id",
        "Đơn vị",
        "Organisation",
        FieldType::OrgRef,
        true,
        true,
        false,
    ),
    f(
        "hostname",
        "Tên máy",
        "Host name",
        FieldType::Text,
        true,
        true,
        true,
    ),
    f(
        "kind",
        "Loại",
        "Kind",
        FieldType::Enum(HOST_KINDS),
        true,
        true,
        false,
    ),
    f(
        "os",
        "Hệ điều hành",
        "Operating system",
        FieldType::Text,
        false,
        true,
        true,
    ),
    f(
        "ips",
        "Địa chỉ IP",
        "IP addresses",
        FieldType::IpList,
        false,
        true,
        true,
    ),
    f(
        "system_id",
        "Hệ thống thông tin",
        "Information system",
        FieldType::SystemRef,
        false,
        true,
        false,
    ),
    f(
        "owner",
        "Người phụ trách",
        "Owner",
        FieldType::Text,
        false,
        false,
        true,
    ),
    f(
        "notes",
        "Ghi chú",
        "Notes",
        FieldType::LongText,
        false,
        false,
        true,
    ),
];

const SOFTWARE_FIELDS: &[Field] = &[
    f(
        "org_id",
        "Đơn vị",
        "Organisation",
        FieldType::OrgRef,
        true,
        false,
        false,
    ),
    f(
        "host_id",
        "Máy",
        "Host",
        FieldType::HostRef,
        true,
        true,
        false,
    ),
    f(
        "name",
        "Tên phần mềm",
        "Name",
        FieldType::Text,
        true,
        true,
        true,
    ),
    f(
        "version",
        "Phiên bản",
        "Version",
        FieldType::Text,
        true,
        true,
        true,
    ),
    f(
        "scheme",
        "Kiểu gói",
        "Packaging",
        FieldType::Enum(PACKAGE_SCHEMES),
        true,
        true,
        false,
    ),
];

const PERSON_FIELDS: &[Field] = &[
    f(
        "org_id",
        "Đơn vị",
        "Organisation",
        FieldType::OrgRef,
        true,
        true,
        false,
    ),
    f(
        "full_name",
        "Họ và tên",
        "Full name",
        FieldType::Text,
        true,
        true,
        true,
    ),
    f(
        "title",
        "Chức vụ",
        "Title",
        FieldType::Text,
        false,
        true,
        true,
    ),
    f(
        "email",
        "Thư điện tử",
        "E-mail",
        FieldType::Email,
        false,
        true,
        true,
    ),
    f(
        "phone",
        "Điện thoại",
        "Phone",
        FieldType::Phone,
        false,
        true,
        true,
    ),
];

const CONTACT_FIELDS: &[Field] = &[
    f(
        "org_id",
        "Đơn vị quản lý",
        "Kept by",
        FieldType::OrgRef,
        true,
        false,
        false,
    ),
    f(
        "name",
        "Đầu mối",
        "Contact point",
        FieldType::Text,
        true,
        true,
        true,
    ),
    f(
        "agency",
        "Cơ quan",
        "Institution",
        FieldType::Text,
        true,
        true,
        true,
    ),
    f(
        "purpose",
        "Nội dung phối hợp",
        "When to contact",
        FieldType::Text,
        false,
        true,
        true,
    ),
    f(
        "phone",
        "Điện thoại",
        "Phone",
        FieldType::Phone,
        false,
        true,
        true,
    ),
    f(
        "email",
        "Thư điện tử",
        "E-mail",
        FieldType::Email,
        false,
        true,
        true,
    ),
    f(
        "notes",
        "Ghi chú",
        "Notes",
        FieldType::LongText,
        false,
        false,
        true,
    ),
    f(
        "escalation_order",
        "Thứ tự báo cáo",
        "Escalation order",
        FieldType::Int { min: 0, max: 99 },
        false,
        true,
        false,
    ),
];

/// The registry's record kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// Organisations, as a tree.
    Org,
    /// An organisation's registered IP ranges.
    Network,
    /// Information systems with their security level.
    System,
    /// Servers, workstations and network devices.
    Host,
    /// Software installed on a host.
    Software,
    /// People of an organisation.
    Person,
    /// Escalation contacts (clause 3 of the dispatch) and other contact points.
    Contact,
}

impl EntityKind {
    /// Every kind, parents before children (the order imports and seeds need).
    pub const ALL: [EntityKind; 7] = [
        EntityKind::Org,
        EntityKind::Network,
        EntityKind::System,
        EntityKind::Host,
        EntityKind::Software,
        EntityKind::Person,
        EntityKind::Contact,
    ];

    /// URL segment, also the API's resource name.
    pub fn slug(self) -> &'static str {
        match self {
            EntityKind::Org => "orgs",
            EntityKind::Network => "networks",
            EntityKind::System => "systems",
            EntityKind::Host => "hosts",
            EntityKind::Software => "software",
            EntityKind::Person => "people",
            EntityKind::Contact => "contacts",
        }
    }

    /// Parses a URL segment.
    pub fn from_slug(s: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.slug() == s)
    }

    /// Table name (a static identifier, never user input).
    pub fn table(self) -> &'static str {
        match self {
            EntityKind::Org => "orgs",
            EntityKind::Network => "networks",
            EntityKind::System => "systems",
            EntityKind::Host => "hosts",
            EntityKind::Software => "software",
            EntityKind::Person => "people",
            EntityKind::Contact => "contacts",
        }
    }

    /// Plural label, Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            EntityKind::Org => "Đơn vị",
            EntityKind::Network => "Mạng và dải IP",
            EntityKind::System => "Hệ thống thông tin",
            EntityKind::Host => "Máy chủ, máy trạm",
            EntityKind::Software => "Phần mềm đã cài",
            EntityKind::Person => "Cán bộ",
            EntityKind::Contact => "Đầu mối liên hệ",
        }
    }

    /// Plural label, English.
    pub fn label_en(self) -> &'static str {
        match self {
            EntityKind::Org => "Organisations",
            EntityKind::Network => "Networks",
            EntityKind::System => "Information systems",
            EntityKind::Host => "Hosts",
            EntityKind::Software => "Installed software",
            EntityKind::Person => "People",
            EntityKind::Contact => "Contacts",
        }
    }

    /// One record of this kind, Vietnamese ("Thêm máy …").
    pub fn noun_vi(self) -> &'static str {
        match self {
            EntityKind::Org => "đơn vị",
            EntityKind::Network => "dải mạng",
            EntityKind::System => "hệ thống thông tin",
            EntityKind::Host => "máy",
            EntityKind::Software => "phần mềm",
            EntityKind::Person => "cán bộ",
            EntityKind::Contact => "đầu mối liên hệ",
        }
    }

    /// One record of this kind, English ("Added host …").
    pub fn noun_en(self) -> &'static str {
        match self {
            EntityKind::Org => "organisation",
            EntityKind::Network => "network",
            EntityKind::System => "information system",
            EntityKind::Host => "host",
            EntityKind::Software => "software",
            EntityKind::Person => "person",
            EntityKind::Contact => "contact",
        }
    }

    /// The fields, in display order.
    pub fn fields(self) -> &'static [Field] {
        match self {
            EntityKind::Org => ORG_FIELDS,
            EntityKind::Network => NETWORK_FIELDS,
            EntityKind::System => SYSTEM_FIELDS,
            EntityKind::Host => HOST_FIELDS,
            EntityKind::Software => SOFTWARE_FIELDS,
            EntityKind::Person => PERSON_FIELDS,
            EntityKind::Contact => CONTACT_FIELDS,
        }
    }

    /// The field with this name.
    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// The column holding the owning organisation (`id` for organisations themselves).
    pub fn org_column(self) -> &'static str {
        match self {
            EntityKind::Org => "id",
            _ => "org_id",
        }
    }

    /// The field that names a record to a person.
    pub fn title_field(self) -> &'static str {
        match self {
            EntityKind::Org | EntityKind::System | EntityKind::Software | EntityKind::Contact => {
                "name"
            }
            EntityKind::Network => "cidr",
            EntityKind::Host => "hostname",
            EntityKind::Person => "full_name",
        }
    }

    /// Validates and normalises a record. Returns the clean record (only known
    /// fields, typed) and every problem found, not just the first.
    pub fn validate(self, input: &Record) -> (Record, Vec<FieldError>) {
        let mut out = Record::new();
        let mut errors = Vec::new();
        for field in self.fields() {
            match normalise(field, input.get(field.name)) {
                Ok(Value::Null) if field.required => errors.push(FieldError::new(
                    field.name,
                    "bắt buộc phải có",
                    "is required",
                )),
                Ok(v) => {
                    out.insert(field.name.to_string(), v);
                }
                Err(e) => errors.push(e),
            }
        }
        (out, errors)
    }
}

/// A problem with one field of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name.
    pub field: String,
    /// What is wrong, in Vietnamese.
    pub message_vi: String,
    /// What is wrong, in English.
    pub message: String,
}

impl FieldError {
    /// A new error for `field`.
    pub fn new(field: &str, vi: impl Into<String>, en: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_string(),
            message_vi: vi.into(),
            message: en.into(),
        }
    }
}

fn as_text(v: Option<&Value>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_string())
        }
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(other) => Some(other.to_string()),
    }
}

fn normalise(field: &Field, v: Option<&Value>) -> Result<Value, FieldError> {
    let Some(text) = as_text(v) else {
        return Ok(Value::Null);
    };
    let name = field.name;
    let bad = |vi: String, en: String| FieldError::new(name, vi, en);
    match field.ty {
        FieldType::Code => {
            let up = text.to_uppercase();
            if up.len() > 32
                || !up
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(bad(
                    format!("'{text}' không hợp lệ: chỉ dùng chữ không dấu, số, '-' và '_', tối đa 32 ký tự"),
                    format!("'{text}' is not a valid code: use A–Z, 0–9, '-' and '_', at most 32 characters"),
                ));
            }
            Ok(Value::String(up))
        }
        FieldType::Text | FieldType::LongText => {
            let max = if matches!(field.ty, FieldType::Text) {
                300
            } else {
                5000
            };
            if text.chars().count() > max {
                return Err(bad(
                    format!("dài quá {max} ký tự"),
                    format!("is longer than {max} characters"),
                ));
            }
            Ok(Value::String(text))
        }
        FieldType::Email => {
            let ok = text.len() <= 254
                && text
                    .split_once('@')
                    .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.'))
                && !text.contains(char::is_whitespace);
            if !ok {
                return Err(bad(
                    format!("'{text}' không phải địa chỉ thư điện tử hợp lệ"),
                    format!("'{text}' is not a valid e-mail address"),
                ));
            }
            Ok(Value::String(text.to_lowercase()))
        }
        FieldType::Phone => {
            let ok = text.len() <= 40
                && text.chars().filter(|c| c.is_ascii_digit()).count() >= 3
                && text
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-.()/,".contains(c));
            if !ok {
                return Err(bad(
                    format!("'{text}' không phải số điện thoại hợp lệ"),
                    format!("'{text}' is not a valid phone number"),
                ));
            }
            Ok(Value::String(text))
        }
        FieldType::Int { min, max } => match text.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Value::from(n)),
            _ => Err(bad(
                format!("'{text}' phải là số nguyên từ {min} đến {max}"),
                format!("'{text}' must be a whole number from {min} to {max}"),
            )),
        },
        FieldType::OrgRef | FieldType::ParentRef | FieldType::SystemRef | FieldType::HostRef => {
            match text.parse::<i64>() {
                Ok(n) if n > 0 => Ok(Value::from(n)),
                _ => Err(bad(
                    format!("'{text}' không phải mã số bản ghi"),
                    format!("'{text}' is not a record id"),
                )),
            }
        }
        FieldType::Enum(choices) => {
            let low = text.to_lowercase();
            choices
                .iter()
                .find(|c| {
                    c.value == low || c.vi.to_lowercase() == low || c.en.to_lowercase() == low
                })
                .map(|c| Value::String(c.value.to_string()))
                .ok_or_else(|| {
                    let vi: Vec<String> = choices
                        .iter()
                        .map(|c| format!("{} ({})", c.value, c.vi))
                        .collect();
                    let en: Vec<&str> = choices.iter().map(|c| c.value).collect();
                    bad(
                        format!("'{text}' không thuộc các giá trị: {}", vi.join(", ")),
                        format!("'{text}' is not one of: {}", en.join(", ")),
                    )
                })
        }
        FieldType::Cidr => {
            let n = parse_cidr(&text).ok_or_else(|| {
                bad(
                    format!("'{text}' không phải dải địa chỉ CIDR hợp lệ (ví dụ 203.0.113.0/24 hoặc 2001:db8::/32)"),
                    format!("'{text}' is not a valid CIDR range (e.g. 203.0.113.0/24 or 2001:db8::/32)"),
                )
            })?;
            if let Some((vi, en)) = crate::net::refused_range(&n) {
                return Err(bad(vi, en));
            }
            Ok(Value::String(n.to_string()))
        }
        FieldType::IpList => {
            let mut ips = Vec::new();
            for part in text
                .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
                .filter(|p| !p.is_empty())
            {
                match part.parse::<IpAddr>() {
                    Ok(ip) => {
                        if let Some((vi, en)) = crate::net::refused_address(ip) {
                            return Err(bad(vi, en));
                        }
                        ips.push(ip.to_string())
                    }
                    Err(_) => {
                        return Err(bad(
                            format!("'{part}' không phải địa chỉ IP hợp lệ"),
                            format!("'{part}' is not a valid IP address"),
                        ))
                    }
                }
            }
            Ok(Value::String(ips.join(", ")))
        }
    }
}

/// Parses a CIDR network; a bare address becomes a /32 or /128. Host bits are cleared.
pub fn parse_cidr(s: &str) -> Option<IpNet> {
    let s = s.trim();
    if let Ok(n) = s.parse::<IpNet>() {
        return Some(n.trunc());
    }
    s.parse::<IpAddr>().ok().map(IpNet::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(v: Value) -> Record {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn host_is_normalised() {
        let (r, errs) = EntityKind::Host.validate(&rec(json!({
            "org_id": 3, "hostname": " web01 ", "kind": "Máy chủ", "ips": "10.0.0.1;2001:DB8::1  192.0.2.7"
        })));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(r["hostname"], "web01");
        assert_eq!(r["kind"], "server");
        assert_eq!(r["ips"], "10.0.0.1, 2001:db8::1, 192.0.2.7");
        assert_eq!(r["system_id"], Value::Null);
    }

    #[test]
    fn every_problem_is_reported() {
        let (_, errs) =
            EntityKind::Host.validate(&rec(json!({"kind": "toaster", "ips": "10.0.0.300"})));
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["org_id", "hostname", "kind", "ips"]);
        assert!(errs[3].message.contains("10.0.0.300"));
    }

    #[test]
    fn cidr_host_bits_are_cleared() {
        let (r, errs) =
            EntityKind::Network.validate(&rec(json!({"org_id": 1, "cidr": "203.0.113.77/24"})));
        assert!(errs.is_empty());
        assert_eq!(r["cidr"], "203.0.113.0/24");
        assert_eq!(
            parse_cidr("2001:db8::1").map(|n| n.to_string()).as_deref(),
            Some("2001:db8::1/128")
        );
        assert!(parse_cidr("203.0.113.0/33").is_none());
    }

    #[test]
    fn level_is_bounded() {
        let (_, errs) =
            EntityKind::System.validate(&rec(json!({"org_id": 1, "name": "Cổng", "level": 6})));
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "level");
    }

    #[test]
    fn code_is_upper_cased_and_checked() {
        let (r, errs) =
            EntityKind::Org.validate(&rec(json!({"code": "stttt", "name": "Sở", "kind": "dic"})));
        assert!(errs.is_empty());
        assert_eq!(r["code"], "STTTT");
        let (_, errs) = EntityKind::Org.validate(&rec(
            json!({"code": "sở tttt", "name": "Sở", "kind": "dic"}),
        ));
        assert_eq!(errs[0].field, "code");
    }

    #[test]
    fn file_names_of_references() {
        assert_eq!(
            EntityKind::Host.field("org_id").map(|f| f.file_name),
            Some("org")
        );
        assert_eq!(
            EntityKind::Software.field("host_id").map(|f| f.file_name),
            Some("host")
        );
        for k in EntityKind::ALL {
            assert_eq!(EntityKind::from_slug(k.slug()), Some(k));
            assert!(k.field(k.title_field()).is_some());
        }
    }
}
