-- A host's addresses and a network's range are claims on the events, Botnet findings and scanner
-- findings of those addresses. A claim registered (or last confirmed) by the DIC is approved, and
-- wins over an unapproved one on the same address.
ALTER TABLE hosts ADD COLUMN approved BIGINT NOT NULL DEFAULT 0;
ALTER TABLE networks ADD COLUMN approved BIGINT NOT NULL DEFAULT 0;
