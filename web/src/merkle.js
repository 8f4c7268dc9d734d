// The transparency log's checks, done in the browser with WebCrypto, as the log defines them
// (include/truce/merkle_log.h, docs/server.md "Transparency log"): RFC 9162 section 2.1 with
// SHA-256, leaf hash SHA-256(0x00 || data), node hash SHA-256(0x01 || left || right); the tree
// head signed with Ed25519 over "truce-tree-head-v1\n<size>\n<timestamp ms>\n<root hex>\n".
// Nothing here trusts the server: a proof that does not lead to the signed root fails.

const hex = (bytes) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

function unhex(s) {
  if (typeof s !== "string" || !/^([0-9a-fA-F]{2})*$/.test(s)) throw new Error(`not hexadecimal: ${String(s).slice(0, 20)}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; ++i) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

async function sha256(...parts) {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const buffer = new Uint8Array(length);
  let at = 0;
  for (const p of parts) { buffer.set(p, at); at += p.length; }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
}

// SHA-256(0x00 || data), hex; `data` is the entry's canonical JSON as a string.
export async function leafHash(data) {
  return hex(await sha256(Uint8Array.of(0), new TextEncoder().encode(data)));
}

export async function nodeHash(leftHex, rightHex) {
  return hex(await sha256(Uint8Array.of(1), unhex(leftHex), unhex(rightHex)));
}

// RFC 9162 2.1.3.2: whether `proof` (hex hashes) leads from the leaf at `index` to `rootHex` in
// the tree of `treeSize` leaves. {ok, why}.
export async function verifyInclusion(index, treeSize, leafHex, proof, rootHex) {
  if (!(index < treeSize)) return { ok: false, why: `index ${index} is not below the tree size ${treeSize}` };
  let fn = BigInt(index), sn = BigInt(treeSize) - 1n;
  let r = unhex(leafHex);
  for (const p of proof) {
    if (sn === 0n) return { ok: false, why: "the proof is longer than the path to the root" };
    if ((fn & 1n) === 1n || fn === sn) {
      r = await sha256(Uint8Array.of(1), unhex(p), r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      r = await sha256(Uint8Array.of(1), r, unhex(p));
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) return { ok: false, why: "the proof is shorter than the path to the root" };
  if (hex(r) !== rootHex.toLowerCase()) return { ok: false, why: `the path leads to ${hex(r).slice(0, 16)}…, not the signed root ${rootHex.slice(0, 16)}…` };
  return { ok: true, why: "" };
}

// Whether `head` ({tree_size, timestamp_ms, root_hash, signature, public_key}) carries a valid
// Ed25519 signature by its public key. {ok, why}.
export async function verifyHeadSignature(head) {
  try {
    const key = await crypto.subtle.importKey("raw", unhex(head.public_key), { name: "Ed25519" }, false, ["verify"]);
    const message = new TextEncoder().encode(`truce-tree-head-v1\n${head.tree_size}\n${head.timestamp_ms}\n${head.root_hash}\n`);
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, unhex(head.signature), message);
    return ok ? { ok: true, why: "" } : { ok: false, why: "the tree head's signature does not verify under the log's key" };
  } catch (e) {
    return { ok: false, why: `cannot check the tree head's signature here (${e.message})` };
  }
}
