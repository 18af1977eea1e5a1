//! `canhgac duty now`.

use crate::StoreArgs;
use anyhow::{Context, Result};

/// `canhgac duty now`: who is on duty at a moment (dd/mm/yyyy HH:MM, UTC+7; default now).
pub async fn now(store: StoreArgs, at: Option<String>) -> Result<()> {
    let st = store.open(None).await?;
    let at = match at {
        Some(t) => {
            let (d, hm) = t.trim().split_once(' ').unwrap_or((t.trim(), "00:00"));
            let (h, m) = hm.split_once(':').unwrap_or((hm, "0"));
            let base = canhgac_domain::time::parse_date(d)
                .with_context(|| format!("--at '{t}' is not dd/mm/yyyy HH:MM"))?;
            let (h, m): (i64, i64) = (
                h.parse().with_context(|| format!("--at '{t}': hour"))?,
                m.parse().with_context(|| format!("--at '{t}': minute"))?,
            );
            base + h * 3_600_000 + m * 60_000
        }
        None => canhgac_domain::time::now_ms(),
    };
    let rows = st.on_duty(&canhgac_domain::Scope::All, at).await?;
    println!(
        "Đang trực lúc / on duty at {}",
        canhgac_domain::time::fmt_datetime(at)
    );
    if rows.is_empty() {
        println!("  (không có lịch trực nào cho lúc này / no roster covers this moment)");
    }
    for s in rows {
        println!(
            "  {:<10} {:<26} {:<28} {} → {}",
            s.org_code.unwrap_or_default(),
            canhgac_ops::duty::shift_label(&s.code),
            s.full_name
                .map(|n| format!("{n} <{}>", s.email.unwrap_or_default()))
                .unwrap_or_else(|| format!("CHƯA CÓ NGƯỜI: {}", s.gap_reason.unwrap_or_default())),
            canhgac_domain::time::fmt_datetime(s.starts_at),
            canhgac_domain::time::fmt_datetime(s.ends_at)
        );
    }
    Ok(())
}
