// HTTPS for the router-to-subgraph hop (regulation 10: card data protected in transit), and
// optionally mutual TLS: the router presents a client certificate signed by TLS_CLIENT_CA_FILE, and
// a connection without one is refused in the handshake, before any HTTP is read. The router secret
// is still checked on every request.
import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import type { Config } from '../config.js';

type TlsConfig = Pick<
  Config,
  'TLS_CERT_FILE' | 'TLS_KEY_FILE' | 'TLS_CLIENT_CA_FILE' | 'TLS_REQUIRE_CLIENT_CERT'
>;

/** The HTTPS server options, or null for plain HTTP (configuration already checked the pairs). */
export function tlsServerOptions(config: TlsConfig): ServerOptions | null {
  if (!config.TLS_CERT_FILE || !config.TLS_KEY_FILE) return null;
  const options: ServerOptions = {
    cert: readFileSync(config.TLS_CERT_FILE),
    key: readFileSync(config.TLS_KEY_FILE),
    minVersion: 'TLSv1.2',
  };
  if (config.TLS_CLIENT_CA_FILE) {
    options.ca = readFileSync(config.TLS_CLIENT_CA_FILE);
    options.requestCert = true;
    options.rejectUnauthorized = config.TLS_REQUIRE_CLIENT_CERT;
  }
  return options;
}
