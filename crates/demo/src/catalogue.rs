//! The demo province's fixed data: organisations, systems, software catalogues, names.

use canhgac_domain::signal::{Severity, SignalKind};

pub struct OrgSeed {
    pub code: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub parent: Option<&'static str>,
    pub address: &'static str,
    pub phone: &'static str,
    pub email: &'static str,
}

const fn o(code: &'static str, name: &'static str, kind: &'static str, parent: Option<&'static str>, address: &'static str, phone: &'static str, email: &'static str) -> OrgSeed {
    OrgSeed { code, name, kind, parent, address, phone, email }
}

const D: Option<&str> = Some("STTTT");
const TP: &str = "Tầng 4, Khu Hành chính - Chính trị tỉnh, phường Đông Phong, TP. Lai Châu";

pub const ORGS: &[OrgSeed] = &[
    o("STTTT", "Sở Thông tin và Truyền thông tỉnh Lai Châu", "dic", None, TP, "0213 3798 798", "stttt@laichau.gov.vn"),
    o("TTCNTT", "Trung tâm Công nghệ thông tin và Truyền thông", "agency", D, TP, "0213 3876 555", "ttcntt@laichau.gov.vn"),
    o("VPUBND", "Văn phòng UBND tỉnh Lai Châu", "agency", D, TP, "0213 3876 198", "vpubnd@laichau.gov.vn"),
    o("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh", "agency", D, TP, "0213 3791 234", "hcc@laichau.gov.vn"),
    o("SKHDT", "Sở Kế hoạch và Đầu tư", "agency", D, TP, "0213 3876 444", "skhdt@laichau.gov.vn"),
    o("STC", "Sở Tài chính", "agency", D, TP, "0213 3876 226", "stc@laichau.gov.vn"),
    o("SNV", "Sở Nội vụ", "agency", D, TP, "0213 3876 521", "snv@laichau.gov.vn"),
    o("STP", "Sở Tư pháp", "agency", D, TP, "0213 3876 310", "stp@laichau.gov.vn"),
    o("SCT", "Sở Công Thương", "agency", D, TP, "0213 3876 393", "sct@laichau.gov.vn"),
    o("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", "agency", D, TP, "0213 3876 431", "snnptnt@laichau.gov.vn"),
    o("SGTVT", "Sở Giao thông vận tải", "agency", D, TP, "0213 3876 255", "sgtvt@laichau.gov.vn"),
    o("SXD", "Sở Xây dựng", "agency", D, TP, "0213 3876 299", "sxd@laichau.gov.vn"),
    o("STNMT", "Sở Tài nguyên và Môi trường", "agency", D, TP, "0213 3876 375", "stnmt@laichau.gov.vn"),
    o("SGDDT", "Sở Giáo dục và Đào tạo", "agency", D, TP, "0213 3876 512", "sgddt@laichau.edu.vn"),
    o("SYT", "Sở Y tế", "agency", D, TP, "0213 3876 386", "syt@laichau.gov.vn"),
    o("SLDTBXH", "Sở Lao động - Thương binh và Xã hội", "agency", D, TP, "0213 3876 344", "sldtbxh@laichau.gov.vn"),
    o("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "agency", D, TP, "0213 3876 284", "svhttdl@laichau.gov.vn"),
    o("SKHCN", "Sở Khoa học và Công nghệ", "agency", D, TP, "0213 3876 358", "skhcn@laichau.gov.vn"),
    o("TTRA", "Thanh tra tỉnh", "agency", D, TP, "0213 3876 411", "thanhtra@laichau.gov.vn"),
    o("BDT", "Ban Dân tộc tỉnh", "agency", D, TP, "0213 3876 466", "bdt@laichau.gov.vn"),
    o("DPTTH", "Đài Phát thanh và Truyền hình tỉnh", "agency", D, "Đường Trần Hưng Đạo, TP. Lai Châu", "0213 3876 275", "ltv@laichau.gov.vn"),
    o("TPLAICHAU", "UBND thành phố Lai Châu", "district", D, "Phường Tân Phong, TP. Lai Châu", "0213 3875 222", "tplaichau@laichau.gov.vn"),
    o("TAMDUONG", "UBND huyện Tam Đường", "district", D, "Thị trấn Tam Đường, huyện Tam Đường", "0213 3878 123", "tamduong@laichau.gov.vn"),
    o("PHONGTHO", "UBND huyện Phong Thổ", "district", D, "Thị trấn Phong Thổ, huyện Phong Thổ", "0213 3893 180", "phongtho@laichau.gov.vn"),
    o("SINHO", "UBND huyện Sìn Hồ", "district", D, "Thị trấn Sìn Hồ, huyện Sìn Hồ", "0213 3870 210", "sinho@laichau.gov.vn"),
    o("MUONGTE", "UBND huyện Mường Tè", "district", D, "Thị trấn Mường Tè, huyện Mường Tè", "0213 3881 102", "muongte@laichau.gov.vn"),
    o("THANUYEN", "UBND huyện Than Uyên", "district", D, "Thị trấn Than Uyên, huyện Than Uyên", "0213 3784 155", "thanuyen@laichau.gov.vn"),
    o("TANUYEN", "UBND huyện Tân Uyên", "district", D, "Thị trấn Tân Uyên, huyện Tân Uyên", "0213 3787 111", "tanuyen@laichau.gov.vn"),
    o("NAMNHUN", "UBND huyện Nậm Nhùn", "district", D, "Thị trấn Nậm Nhùn, huyện Nậm Nhùn", "0213 3729 100", "namnhun@laichau.gov.vn"),
    o("TPLAICHAU-VHTT", "Phòng Văn hóa và Thông tin thành phố Lai Châu", "district", Some("TPLAICHAU"), "Phường Tân Phong, TP. Lai Châu", "0213 3875 333", "vhtt.tplaichau@laichau.gov.vn"),
    o("TAMDUONG-VHTT", "Phòng Văn hóa và Thông tin huyện Tam Đường", "district", Some("TAMDUONG"), "Thị trấn Tam Đường", "0213 3878 234", "vhtt.tamduong@laichau.gov.vn"),
    o("PHONGTHO-VHTT", "Phòng Văn hóa và Thông tin huyện Phong Thổ", "district", Some("PHONGTHO"), "Thị trấn Phong Thổ", "0213 3893 222", "vhtt.phongtho@laichau.gov.vn"),
    o("VIETTEL", "Viettel Lai Châu - Chi nhánh Tập đoàn Công nghiệp - Viễn thông Quân đội", "telecom", D, "Đường 30/4, TP. Lai Châu", "0213 3627 100", "soc@viettel-laichau.vn"),
    o("VNPT", "VNPT Lai Châu", "telecom", D, "Đường Trần Phú, TP. Lai Châu", "0213 3876 800", "noc@vnpt-laichau.vn"),
    o("MOBIFONE", "MobiFone Lai Châu", "telecom", D, "Đường Lê Duẩn, TP. Lai Châu", "0213 3899 900", "noc@mobifone-laichau.vn"),
];

pub struct SystemSeed {
    pub org: &'static str,
    pub name: &'static str,
    pub level: i64,
    pub owner: &'static str,
    pub description: &'static str,
}

const fn s(org: &'static str, name: &'static str, level: i64, owner: &'static str, description: &'static str) -> SystemSeed {
    SystemSeed { org, name, level, owner, description }
}

pub const SYSTEMS: &[SystemSeed] = &[
    s("STTTT", "Hệ thống quản lý văn bản và điều hành tỉnh", 3, "Sở TTTT", "Văn bản đi, đến và chữ ký số của các cơ quan nhà nước tỉnh"),
    s("STTTT", "Hệ thống thư điện tử công vụ tỉnh", 3, "Sở TTTT", "Thư điện tử @laichau.gov.vn"),
    s("STTTT", "Trung tâm giám sát an toàn thông tin (SOC) tỉnh", 3, "Sở TTTT", "Giám sát tập trung, kết nối NCSC"),
    s("TTCNTT", "Trung tâm dữ liệu tỉnh Lai Châu", 4, "Trung tâm CNTT&TT", "Hạ tầng ảo hoá, lưu trữ, sao lưu"),
    s("TTCNTT", "Nền tảng tích hợp, chia sẻ dữ liệu (LGSP)", 3, "Trung tâm CNTT&TT", "Kết nối NGSP và các CSDL quốc gia"),
    s("TTCNTT", "Hệ thống hội nghị truyền hình trực tuyến", 2, "Trung tâm CNTT&TT", "Kết nối tỉnh - huyện - xã"),
    s("VPUBND", "Cổng thông tin điện tử tỉnh", 3, "Văn phòng UBND tỉnh", "laichau.gov.vn"),
    s("VPUBND", "Hệ thống thông tin báo cáo tỉnh", 2, "Văn phòng UBND tỉnh", "Kết nối Hệ thống báo cáo Chính phủ"),
    s("TTPVHCC", "Hệ thống thông tin giải quyết thủ tục hành chính tỉnh", 3, "Trung tâm Phục vụ HCC", "Dịch vụ công trực tuyến, một cửa điện tử"),
    s("SKHDT", "Hệ thống quản lý dự án đầu tư công", 2, "Sở KH&ĐT", ""),
    s("STC", "Hệ thống quản lý ngân sách và tài sản công", 3, "Sở Tài chính", ""),
    s("STC", "Cổng thông tin điện tử Sở Tài chính", 1, "Sở Tài chính", ""),
    s("SNV", "Cơ sở dữ liệu cán bộ, công chức, viên chức", 3, "Sở Nội vụ", "Dữ liệu cá nhân của cán bộ"),
    s("STP", "Hệ thống quản lý hộ tịch", 3, "Sở Tư pháp", "Đồng bộ CSDL hộ tịch điện tử toàn quốc"),
    s("SCT", "Cổng thông tin điện tử Sở Công Thương", 1, "Sở Công Thương", ""),
    s("SNNPTNT", "Hệ thống giám sát, cảnh báo cháy rừng", 2, "Chi cục Kiểm lâm", ""),
    s("SGTVT", "Hệ thống quản lý sát hạch, cấp giấy phép lái xe", 2, "Sở GTVT", ""),
    s("SXD", "Cổng thông tin điện tử Sở Xây dựng", 1, "Sở Xây dựng", ""),
    s("STNMT", "Hệ thống thông tin đất đai", 3, "Văn phòng Đăng ký đất đai", ""),
    s("STNMT", "Hệ thống quan trắc môi trường tự động", 2, "Trung tâm Quan trắc", ""),
    s("SGDDT", "Cơ sở dữ liệu ngành giáo dục", 3, "Sở GD&ĐT", "Hồ sơ học sinh, giáo viên"),
    s("SGDDT", "Hệ thống tuyển sinh trực tuyến", 2, "Sở GD&ĐT", ""),
    s("SYT", "Cổng thông tin điện tử Sở Y tế", 2, "Sở Y tế", ""),
    s("SYT", "Hệ thống quản lý hồ sơ sức khỏe điện tử", 3, "Sở Y tế", "Dữ liệu sức khỏe người dân"),
    s("SYT", "Hệ thống thông tin bệnh viện đa khoa tỉnh (HIS)", 3, "Bệnh viện Đa khoa tỉnh", ""),
    s("SLDTBXH", "Hệ thống quản lý đối tượng bảo trợ xã hội", 2, "Sở LĐ-TB&XH", ""),
    s("SVHTTDL", "Cổng thông tin du lịch Lai Châu", 2, "Trung tâm Xúc tiến du lịch", ""),
    s("SKHCN", "Cổng thông tin điện tử Sở Khoa học và Công nghệ", 1, "Sở KH&CN", ""),
    s("TTRA", "Hệ thống quản lý khiếu nại, tố cáo", 2, "Thanh tra tỉnh", ""),
    s("BDT", "Cổng thông tin điện tử Ban Dân tộc", 1, "Ban Dân tộc", ""),
    s("DPTTH", "Hệ thống phát thanh, truyền hình số", 3, "Đài PT-TH tỉnh", "Phát sóng, tin bài"),
    s("DPTTH", "Trang tin điện tử Đài Phát thanh và Truyền hình", 2, "Đài PT-TH tỉnh", ""),
    s("TPLAICHAU", "Cổng thông tin điện tử thành phố", 2, "UBND thành phố", ""),
    s("TPLAICHAU", "Hệ thống một cửa điện tử thành phố", 2, "UBND thành phố", ""),
    s("TAMDUONG", "Cổng thông tin điện tử huyện Tam Đường", 2, "UBND huyện", ""),
    s("TAMDUONG", "Hệ thống một cửa điện tử huyện Tam Đường", 2, "UBND huyện", ""),
    s("PHONGTHO", "Cổng thông tin điện tử huyện Phong Thổ", 2, "UBND huyện", ""),
    s("PHONGTHO", "Hệ thống một cửa điện tử huyện Phong Thổ", 2, "UBND huyện", ""),
    s("SINHO", "Cổng thông tin điện tử huyện Sìn Hồ", 2, "UBND huyện", ""),
    s("SINHO", "Hệ thống một cửa điện tử huyện Sìn Hồ", 2, "UBND huyện", ""),
    s("MUONGTE", "Cổng thông tin điện tử huyện Mường Tè", 2, "UBND huyện", ""),
    s("MUONGTE", "Hệ thống một cửa điện tử huyện Mường Tè", 2, "UBND huyện", ""),
    s("THANUYEN", "Cổng thông tin điện tử huyện Than Uyên", 2, "UBND huyện", ""),
    s("THANUYEN", "Hệ thống một cửa điện tử huyện Than Uyên", 2, "UBND huyện", ""),
    s("TANUYEN", "Cổng thông tin điện tử huyện Tân Uyên", 2, "UBND huyện", ""),
    s("TANUYEN", "Hệ thống một cửa điện tử huyện Tân Uyên", 2, "UBND huyện", ""),
    s("NAMNHUN", "Cổng thông tin điện tử huyện Nậm Nhùn", 2, "UBND huyện", ""),
    s("NAMNHUN", "Hệ thống một cửa điện tử huyện Nậm Nhùn", 2, "UBND huyện", ""),
    s("VIETTEL", "Mạng truy nhập vô tuyến 4G/5G Viettel Lai Châu", 5, "Viettel Lai Châu", "Hạ tầng viễn thông trọng yếu"),
    s("VIETTEL", "Hệ thống DNS và dịch vụ Internet Viettel Lai Châu", 4, "Viettel Lai Châu", ""),
    s("VNPT", "Mạng MAN-E và truy nhập FTTH VNPT Lai Châu", 5, "VNPT Lai Châu", "Hạ tầng viễn thông trọng yếu"),
    s("VNPT", "Hệ thống DNS VNPT Lai Châu", 4, "VNPT Lai Châu", ""),
    s("MOBIFONE", "Mạng truy nhập vô tuyến MobiFone Lai Châu", 5, "MobiFone Lai Châu", "Hạ tầng viễn thông trọng yếu"),
];

pub const SERVER_ROLES: &[&str] = &["web", "app", "db", "mail", "dns", "bak"];

pub struct OsProfile {
    pub name: &'static str,
    pub scheme: &'static str,
    pub base: &'static [(&'static str, &'static str)],
    pub extra: &'static [(&'static str, &'static str, &'static str)],
}

pub const SERVER_OS: &[OsProfile] = &[
    OsProfile {
        name: "Debian GNU/Linux 12 (bookworm)",
        scheme: "deb",
        base: &[("linux-image-6.1.0-26-amd64", "6.1.112-1"), ("openssh-server", "1:9.2p1-2+deb12u3"), ("openssl", "3.0.15-1~deb12u1"), ("libc6", "2.36-9+deb12u8"), ("sudo", "1.9.13p3-1+deb12u1"), ("bash", "5.2.15-2+b7"), ("systemd", "252.30-1~deb12u2"), ("curl", "7.88.1-10+deb12u7"), ("rsyslog", "8.2302.0-1"), ("xz-utils", "5.4.1-0.2")],
        extra: &[("nginx", "1.22.1-9", "deb"), ("apache2", "2.4.62-1~deb12u1", "deb"), ("php8.2-fpm", "8.2.24-1~deb12u1", "deb"), ("postgresql-15", "15.8-0+deb12u1", "deb"), ("mariadb-server", "1:10.11.6-0+deb12u1", "deb"), ("bind9", "1:9.18.28-1~deb12u2", "deb"), ("postfix", "3.7.11-0+deb12u1", "deb"), ("dovecot-core", "1:2.3.19.1+dfsg1-2.1+deb12u1", "deb"), ("openjdk-17-jre-headless", "17.0.12+7-2~deb12u1", "deb"), ("tomcat10", "10.1.6-1+deb12u2", "deb"), ("redis-server", "5:7.0.15-1~deb12u1", "deb"), ("Django", "4.2.16", "pypi"), ("requests", "2.31.0", "pypi"), ("express", "4.19.2", "npm"), ("lodash", "4.17.21", "npm")],
    },
    OsProfile {
        name: "Ubuntu 22.04.5 LTS",
        scheme: "deb",
        base: &[("linux-image-5.15.0-122-generic", "5.15.0-122.132"), ("openssh-server", "1:8.9p1-3ubuntu0.10"), ("openssl", "3.0.2-0ubuntu1.18"), ("libc6", "2.35-0ubuntu3.8"), ("sudo", "1.9.9-1ubuntu2.4"), ("bash", "5.1-6ubuntu1.1"), ("systemd", "249.11-0ubuntu3.12"), ("curl", "7.81.0-1ubuntu1.18"), ("xz-utils", "5.2.5-2ubuntu1")],
        extra: &[("nginx", "1.18.0-6ubuntu14.4", "deb"), ("apache2", "2.4.52-1ubuntu4.12", "deb"), ("php8.1-fpm", "8.1.2-1ubuntu2.19", "deb"), ("mysql-server-8.0", "8.0.39-0ubuntu0.22.04.1", "deb"), ("postgresql-14", "14.13-0ubuntu0.22.04.1", "deb"), ("docker.io", "24.0.7-0ubuntu2~22.04.1", "deb"), ("nodejs", "12.22.9~dfsg-1ubuntu3.6", "deb"), ("express", "4.17.1", "npm"), ("jsonwebtoken", "8.5.1", "npm"), ("Flask", "2.0.1", "pypi"), ("Jinja2", "3.0.3", "pypi")],
    },
    OsProfile {
        name: "Red Hat Enterprise Linux 9.4 (Plow)",
        scheme: "rpm",
        base: &[("kernel", "5.14.0-427.37.1.el9_4"), ("openssh-server", "8.7p1-38.el9_4.4"), ("openssl", "3.0.7-27.el9"), ("glibc", "2.34-100.el9_4.3"), ("sudo", "1.9.5p2-10.el9_3"), ("bash", "5.1.8-9.el9"), ("systemd", "252-32.el9_4.7"), ("curl", "7.76.1-29.el9_4.1"), ("xz", "5.2.5-8.el9_0")],
        extra: &[("httpd", "2.4.57-11.el9_4.1", "rpm"), ("nginx", "1.20.1-14.el9_2.1", "rpm"), ("postgresql-server", "13.14-1.el9_3", "rpm"), ("mariadb-server", "10.5.22-1.el9_2", "rpm"), ("bind", "9.16.23-18.el9_4.6", "rpm"), ("java-17-openjdk-headless", "17.0.12.0.7-2.el9", "rpm"), ("php", "8.0.30-1.el9_2", "rpm"), ("python3-requests", "2.25.1-8.el9", "rpm"), ("tomcat", "9.0.62-37.el9_4.1", "rpm")],
    },
    OsProfile {
        name: "Microsoft Windows Server 2019 Standard",
        scheme: "msi",
        base: &[("Microsoft Windows Server 2019 Standard", "10.0.17763.6414"), ("Microsoft .NET Framework 4.8", "4.8.03761"), ("Microsoft Edge", "129.0.2792.89"), ("Microsoft Defender Antivirus", "4.18.24090.11"), ("7-Zip", "19.00")],
        extra: &[("Microsoft SQL Server 2019", "15.0.4385.2", "msi"), ("Internet Information Services", "10.0.17763.1", "msi"), ("Microsoft Exchange Server 2019 CU14", "15.2.1544.4", "msi"), ("Veeam Backup & Replication", "12.1.2.172", "msi"), ("Kaspersky Security 11 for Windows Server", "11.0.1.897", "msi"), ("Apache Tomcat 9", "9.0.80", "msi"), ("Java 8 Update 381", "8.0.3810.9", "msi"), ("UltraViewer", "6.6.46", "msi"), ("Notepad++", "8.5.8", "msi")],
    },
    OsProfile {
        name: "Microsoft Windows Server 2022 Standard",
        scheme: "msi",
        base: &[("Microsoft Windows Server 2022 Standard", "10.0.20348.2762"), ("Microsoft .NET Framework 4.8", "4.8.04161"), ("Microsoft Edge", "130.0.2849.68"), ("Microsoft Defender Antivirus", "4.18.24090.11")],
        extra: &[("Microsoft SQL Server 2022", "16.0.4145.4", "msi"), ("Internet Information Services", "10.0.20348.1", "msi"), ("Microsoft Visual C++ 2015-2022 Redistributable (x64)", "14.40.33810", "msi"), ("Veeam Agent for Microsoft Windows", "6.1.2.134", "msi"), ("PHP 8.1", "8.1.29", "msi"), ("OpenSSL 3.0", "3.0.13", "msi"), ("Notepad++", "8.6.9", "msi")],
    },
];

pub const WORKSTATION_OS: &[OsProfile] = &[
    OsProfile {
        name: "Microsoft Windows 10 Pro 22H2",
        scheme: "msi",
        base: &[("Microsoft Windows 10 Pro", "10.0.19045.5011"), ("Microsoft Edge", "130.0.2849.56"), ("Google Chrome", "130.0.6723.92"), ("Microsoft Office Professional Plus 2019", "16.0.10414.20002"), ("Unikey", "4.3 RC5"), ("Foxit PDF Reader", "2024.2.3.25184")],
        extra: &[("Mozilla Firefox", "131.0.3", "msi"), ("Zalo", "24.10.2", "msi"), ("UltraViewer", "6.6.50", "msi"), ("TeamViewer", "15.58.5", "msi"), ("WinRAR", "6.23", "msi"), ("7-Zip", "23.01", "msi"), ("Adobe Acrobat Reader DC", "24.003.20180", "msi"), ("VNPT-CA Plugin", "1.0.5.2", "msi"), ("Viettel-CA Token Manager", "2.0.0.8", "msi"), ("Kaspersky Endpoint Security for Windows", "12.6.0.438", "msi"), ("Zoom Workplace", "6.2.5", "msi"), ("AnyDesk", "8.0.14", "msi")],
    },
    OsProfile {
        name: "Microsoft Windows 11 Pro 23H2",
        scheme: "msi",
        base: &[("Microsoft Windows 11 Pro", "10.0.22631.4317"), ("Microsoft Edge", "130.0.2849.68"), ("Google Chrome", "131.0.6778.70"), ("Microsoft 365 Apps for business", "16.0.17928.20216"), ("Unikey", "4.6 RC2"), ("Foxit PDF Reader", "2024.3.0.26795")],
        extra: &[("Zalo", "24.11.1", "msi"), ("UltraViewer", "6.6.50", "msi"), ("WinRAR", "7.01", "msi"), ("7-Zip", "24.08", "msi"), ("Adobe Acrobat Reader DC", "24.004.20219", "msi"), ("VNPT-CA Plugin", "1.0.6.0", "msi"), ("Bkav Pro Internet Security", "6.0.0.64", "msi"), ("Microsoft Teams", "24277.3502.3162.8089", "msi"), ("Python 3.12", "3.12.7", "msi")],
    },
];

pub const PEOPLE_NAMES: &[&str] = &[
    "Lò Văn Thắng", "Tao Văn Minh", "Giàng A Sử", "Vàng Thị Mai", "Sùng A Páo", "Lò Thị Hương", "Nguyễn Thị Thu Hà",
    "Trần Văn Hùng", "Lê Minh Tuấn", "Phạm Thị Lan", "Đỗ Quang Huy", "Hoàng Văn Nam", "Bùi Thị Ngọc", "Vũ Đức Anh",
    "Đặng Thị Hoa", "Lường Văn Cường", "Hà Thị Thanh", "Chu Văn Long", "Lý Seo Chứ", "Pờ Xá Lùng", "Tẩn Láo Lở",
];

pub const TITLES: &[&str] = &["Cán bộ phụ trách an toàn thông tin", "Chuyên viên công nghệ thông tin", "Phó Giám đốc", "Chánh Văn phòng"];

pub struct ContactSeed {
    pub name: &'static str,
    pub agency: &'static str,
    pub purpose: &'static str,
    pub phone: &'static str,
    pub email: Option<&'static str>,
    pub notes: &'static str,
    pub order: i64,
}

/// Clause 3 of dispatch 737, as printed.
pub const CONTACTS: &[ContactSeed] = &[
    ContactSeed { name: "Phòng Bưu chính - Viễn thông - Công nghệ thông tin", agency: "Sở Thông tin và Truyền thông tỉnh Lai Châu", purpose: "Đầu mối tiếp nhận, điều phối ứng cứu sự cố của tỉnh", phone: "02133798798", email: None, notes: "Công văn 737/STTTT-BCVTCNTT, mục 3", order: 1 },
    ContactSeed { name: "Trung tâm Ứng cứu khẩn cấp không gian mạng Việt Nam (VNCERT/CC)", agency: "Cục An toàn thông tin, Bộ Thông tin và Truyền thông", purpose: "Hỗ trợ xử lý, ứng cứu sự cố", phone: "024.3640.4421, 086.9100.317", email: Some("ir@vncert.vn"), notes: "086.9100.317: đường dây nóng ứng cứu sự cố", order: 2 },
    ContactSeed { name: "Trung tâm Giám sát an toàn không gian mạng quốc gia (NCSC)", agency: "Cục An toàn thông tin, Bộ Thông tin và Truyền thông", purpose: "Hỗ trợ giám sát, cảnh báo sớm", phone: "02432091616, 0389942878", email: Some("ais@mic.gov.vn"), notes: "0389942878: đường dây nóng hỗ trợ giám sát, cảnh báo sớm", order: 3 },
];

pub const LIVE_PATTERNS: &[(SignalKind, &str, Severity)] = &[
    (SignalKind::SigmaAlert, "Đăng nhập SSH thất bại nhiều lần", Severity::Medium),
    (SignalKind::SigmaAlert, "Quét cổng từ Internet", Severity::Low),
    (SignalKind::SigmaAlert, "PowerShell chạy lệnh mã hoá base64", Severity::High),
    (SignalKind::BotnetFinding, "Kết nối tới địa chỉ trong danh sách IP Botnet", Severity::High),
    (SignalKind::SigmaAlert, "Dò tìm tệp cấu hình web (/.env, /wp-login.php)", Severity::Low),
    (SignalKind::Malware, "Tệp nghi là mã độc trong thư mục Tải xuống", Severity::Medium),
];
