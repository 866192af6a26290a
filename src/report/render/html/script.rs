//! The page's only script, and the Content-Security-Policy that lets it, and nothing else, run.

/// Sorts tables on a header click and filters cookie tables; the page is complete without it.
/// Its last statement marks `<body data-ready="1">` so a browser test can tell that it ran.
// The file's final newline is no part of the script: the CSP hash covers these exact bytes.
pub(super) const SCRIPT: &str = include_str!("../report.js").trim_ascii_end();

/// The Content-Security-Policy of the page: nothing may be fetched, only our own script runs.
pub(super) fn content_security_policy() -> String {
    // Without a hash the script is blocked and the page still reads in full.
    let script = sha256_base64(SCRIPT.as_bytes())
        .map_or_else(|| "'none'".to_string(), |h| format!("'sha256-{h}'"));
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src {script}; img-src data:; \
         base-uri 'none'; form-action 'none'"
    )
}

/// Base64 of the SHA-256 of `bytes`, as CSP hash sources write it.
pub(super) fn sha256_base64(bytes: &[u8]) -> Option<String> {
    // rustls, already here for TLS with ring, carries a SHA-256: no new dependency for one hash.
    let suite = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256.tls13()?;
    let digest = suite.common.hash_provider.hash(bytes);
    Some(base64(digest.as_ref()))
}

pub(super) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
