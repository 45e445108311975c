//! HTTPS: `dragnet serve --tls-cert FILE --tls-key FILE` serves the same application over TLS
//! (rustls, TLS 1.2 and 1.3, HTTP/1.1).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Why a certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {what} {path}: {source}")]
    Read { what: &'static str, path: PathBuf, source: std::io::Error },
    #[error("{path} holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("{path}: {message}")]
    Pem { path: PathBuf, message: String },
    #[error("the certificate {cert} and the key {key} cannot be used together: {message}")]
    Config { cert: PathBuf, key: PathBuf, message: String },
}

/// A server TLS configuration: a certificate chain and its private key.
#[derive(Clone)]
pub struct Tls {
    config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

impl Tls {
    /// Reads a PEM certificate chain (leaf first) and a PEM private key (PKCS#8, PKCS#1 or
    /// SEC1).
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Tls, TlsError> {
        let cert_pem = std::fs::read(cert).map_err(|source| TlsError::Read {
            what: "the certificate",
            path: cert.to_path_buf(),
            source,
        })?;
        let key_pem = std::fs::read(key).map_err(|source| TlsError::Read {
            what: "the private key",
            path: key.to_path_buf(),
            source,
        })?;
        Tls::from_pem(&cert_pem, &key_pem).map_err(|e| match e {
            PemError::NoCertificate => TlsError::NoCertificate { path: cert.to_path_buf() },
            PemError::Cert(message) => TlsError::Pem { path: cert.to_path_buf(), message },
            PemError::Key(message) => TlsError::Pem { path: key.to_path_buf(), message },
            PemError::Config(message) => {
                TlsError::Config { cert: cert.to_path_buf(), key: key.to_path_buf(), message }
            }
        })
    }

    fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Tls, PemError> {
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PemError::Cert(format!("not a PEM certificate chain: {e}")))?;
        if chain.is_empty() {
            return Err(PemError::NoCertificate);
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| PemError::Key(format!("no PEM private key: {e}")))?;
        // The provider is named: the process may link more than one.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| PemError::Config(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| PemError::Config(e.to_string()))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls { config: Arc::new(config) })
    }

    pub(crate) fn rustls(&self) -> axum_server::tls_rustls::RustlsConfig {
        axum_server::tls_rustls::RustlsConfig::from_config(Arc::clone(&self.config))
    }
}

enum PemError {
    NoCertificate,
    Cert(String),
    Key(String),
    Config(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_and_its_key_make_a_config() {
        let rcgen::CertifiedKey { cert, signing_key } =
            rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let tls = Tls::from_pem(cert.pem().as_bytes(), signing_key.serialize_pem().as_bytes());
        assert!(tls.is_ok());
    }

    #[test]
    fn bad_files_are_named_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        let missing = Tls::from_pem_files(&cert, &key).unwrap_err().to_string();
        assert!(missing.starts_with("cannot read the certificate"), "{missing}");
        assert!(missing.contains("cert.pem"), "{missing}");

        std::fs::write(&cert, "hello").unwrap();
        std::fs::write(&key, "hello").unwrap();
        let empty = Tls::from_pem_files(&cert, &key).unwrap_err().to_string();
        assert_eq!(empty, format!("{} holds no PEM certificate", cert.display()));

        // A certificate with someone else's key.
        let a = rcgen::generate_simple_self_signed(vec!["a.example".to_string()]).unwrap();
        let b = rcgen::generate_simple_self_signed(vec!["b.example".to_string()]).unwrap();
        std::fs::write(&cert, a.cert.pem()).unwrap();
        std::fs::write(&key, b.signing_key.serialize_pem()).unwrap();
        let mismatch = Tls::from_pem_files(&cert, &key).unwrap_err().to_string();
        assert!(mismatch.contains("cannot be used together"), "{mismatch}");
    }
}
