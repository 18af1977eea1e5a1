//! Copy-paste configurations for the forwarders agencies run, filled in with this server's own
//! addresses: syslog-ng, nginx and Apache over syslog, NXLog (`om_http` to the ingest API),
//! Winlogbeat through Logstash's `http` output, Fluent Bit and Vector. Each was checked
//! against the program's documentation; rsyslog, syslog-ng and nginx are exercised by the
//! tests, pointed at a running server.

use crate::auth::Lang;
use maud::{html, Markup};

/// The forwarders' configurations, given the (host, port) of the UDP and TCP syslog listeners
/// (a stream sender uses TCP when it is on; nginx speaks syslog over UDP only) and the web
/// address.
pub(crate) fn help(
    l: Lang,
    public: &str,
    udp: Option<(&str, u16)>,
    tcp: Option<(&str, u16)>,
) -> Markup {
    let api = format!("https://{public}/api/v1/ingest");
    let fallback = ("canhgac.example.gov.vn", 514);
    let (h, p, proto) = match (tcp, udp) {
        (Some((h, p)), _) => (h, p, "tcp"),
        (None, Some((h, p))) => (h, p, "udp"),
        (None, None) => (fallback.0, fallback.1, "udp"),
    };
    let (uh, up) = udp.unwrap_or(fallback);
    let syslog_ng = format!(
        "# /etc/syslog-ng/conf.d/canhgac.conf\ndestination d_canhgac {{\n  syslog(\"{h}\" transport(\"{proto}\") port({p}));\n}};\nlog {{ source(s_src); destination(d_canhgac); }};"
    );
    let nginx = format!(
        "# in the http {{ }} or server {{ }} block (nginx ≥ 1.7.1; syslog from nginx is UDP)\naccess_log syslog:server={uh}:{up},tag=nginx,severity=info combined;\nerror_log  syslog:server={uh}:{up},tag=nginx warn;"
    );
    let apache = format!(
        "# /etc/apache2/conf-available/canhgac.conf, then a2enconf canhgac\nCustomLog \"|/usr/bin/logger -t apache2 -n {h} -P {p} --{proto}\" combined\nErrorLog  \"|/usr/bin/logger -t apache2 -n {h} -P {p} --{proto}\""
    );
    let nxlog = format!(
        "<Extension json>\n    Module  xm_json\n</Extension>\n<Input eventlog>\n    Module  im_msvistalog\n    Exec    to_json();\n</Input>\n<Output canhgac>\n    Module      om_http\n    URL         {api}\n    ContentType application/json\n    AddHeader   Authorization: Bearer <MÃ_TRUY_CẬP_API>\n    HTTPSCAFile C:\\Program Files\\nxlog\\cert\\canhgac-ca.pem\n</Output>\n<Route r>\n    Path eventlog => canhgac\n</Route>"
    );
    let winlogbeat = format!(
        "# winlogbeat.yml: Winlogbeat sends to Logstash …\nwinlogbeat.event_logs:\n  - name: Security\n  - name: System\n  - name: Microsoft-Windows-Sysmon/Operational\n  - name: Microsoft-Windows-PowerShell/Operational\noutput.logstash:\n  hosts: [\"logstash.donvi.gov.vn:5044\"]\n\n# … and Logstash forwards the events unchanged (ECS) to canhgac:\ninput {{ beats {{ port => 5044 }} }}\noutput {{\n  http {{\n    url => \"{api}\"\n    http_method => \"post\"\n    format => \"json_batch\"\n    headers => {{ \"Authorization\" => \"Bearer <MÃ_TRUY_CẬP_API>\" }}\n  }}\n}}"
    );
    let fluent_bit = format!(
        "# fluent-bit.conf\n[INPUT]\n    Name   systemd\n    Tag    journal\n[OUTPUT]\n    Name   http\n    Match  *\n    Host   {public}\n    Port   443\n    URI    /api/v1/ingest\n    Format json_lines\n    tls    On\n    Header Authorization Bearer <MÃ_TRUY_CẬP_API>"
    );
    let vector = format!(
        "# vector.yaml\nsources:\n  journal:\n    type: journald\n  auth:\n    type: file\n    include: [/var/log/auth.log]\nsinks:\n  canhgac:\n    type: http\n    inputs: [journal, auth]\n    uri: {api}\n    encoding:\n      codec: json\n    framing:\n      method: newline_delimited\n    request:\n      headers:\n        Authorization: Bearer <MÃ_TRUY_CẬP_API>"
    );
    let items: [(&str, &str, &str, &str, String); 7] = [
        ("fw-syslog-ng", "syslog-ng", "Máy chủ Linux dùng syslog-ng", "Linux servers with syslog-ng", syslog_ng),
        ("fw-nginx", "nginx", "Nhật ký truy cập và lỗi của nginx, gửi thẳng qua syslog", "nginx access and error logs, sent directly over syslog", nginx),
        ("fw-apache", "Apache", "Nhật ký Apache qua logger (syslog)", "Apache logs through logger (syslog)", apache),
        ("fw-nxlog", "NXLog", "Máy Windows dùng NXLog: sự kiện Windows dạng JSON qua HTTPS", "Windows with NXLog: Windows events as JSON over HTTPS", nxlog),
        ("fw-winlogbeat", "Winlogbeat", "Máy Windows dùng Winlogbeat (qua Logstash)", "Windows with Winlogbeat (through Logstash)", winlogbeat),
        ("fw-fluent-bit", "Fluent Bit", "Fluent Bit: journald qua HTTPS", "Fluent Bit: journald over HTTPS", fluent_bit),
        ("fw-vector", "Vector", "Vector: journald và tệp nhật ký qua HTTPS", "Vector: journald and log files over HTTPS", vector),
    ];
    html! {
        div.card #forwarders {
            h2 { (l.t("Cấu hình bộ chuyển nhật ký", "Forwarder configurations")) }
            p.muted { (l.t(
                "Sao chép cấu hình phù hợp với máy của đơn vị. Các dạng dữ liệu được nhận biết tự động (Winlogbeat/ECS, NXLog, WEF XML, journald, Fluent Bit, Vector, syslog RFC 3164/5424, nhật ký web, tường lửa FortiGate, pfSense, Cisco ASA, Palo Alto, MikroTik, Sophos, CEF, LEEF) và ánh xạ về cùng trường Sigma. Mã truy cập API tạo ở trang Tài khoản.",
                "Copy the configuration that fits the organisation's machines. Formats are recognised automatically (Winlogbeat/ECS, NXLog, WEF XML, journald, Fluent Bit, Vector, syslog RFC 3164/5424, web logs, FortiGate, pfSense, Cisco ASA, Palo Alto, MikroTik, Sophos firewalls, CEF, LEEF) and mapped to the same Sigma fields. API tokens are made on the Account page.")) }
            @for (id, name, vi, en, conf) in &items {
                details id=(id) {
                    summary { b { (name) } " — " (l.t(vi, en)) }
                    pre { (conf.replace("<MÃ_TRUY_CẬP_API>", l.t("<MÃ_TRUY_CẬP_API>", "<API_TOKEN>"))) }
                }
            }
        }
    }
}
