import { derTlv } from '../../pe/der.js';
import type * as Asn1 from 'asn1js';

/**
 * BER (X.690) rewritten as DER where BER allows more: indefinite lengths become definite, octet strings in
 * segments become one. asn1js reads the BER; it loads only for a file that needs it (Java keytool,
 * Outlook, PKI.js and some Windows exports write PKCS#12 that way), so a DER file costs nothing here.
 * Other constructed elements keep their tags: a constructed [0] may be an implicitly tagged octet string
 * in segments or an explicit tag, which only its reader can tell.
 */
export async function berToDer(bytes: Uint8Array): Promise<Buffer | undefined> {
  const asn1js = await import('asn1js');
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1) return undefined;
  const encode = (node: Asn1.AsnType): Buffer => {
    const { tagClass, tagNumber, isConstructed } = node.idBlock;
    if (tagNumber >= 31) throw new RangeError('high tag numbers do not occur in PKCS#12');
    const octetString = tagClass === 1 && tagNumber === 4;
    if (isConstructed && !octetString) {
      const parts = ((node as Asn1.Constructed).valueBlock.value as Asn1.AsnType[]).map(encode);
      return derTlv(((tagClass - 1) << 6) | 0x20 | tagNumber, ...parts);
    }
    return derTlv(((tagClass - 1) << 6) | tagNumber, contentOf(node));
  };
  try {
    return encode(parsed.result);
  } catch {
    return undefined;
  }
}

/** A primitive's content as written (after its identifier and length), or a string's segments joined. */
function contentOf(node: Asn1.AsnType): Buffer {
  if (node.idBlock.isConstructed)
    return Buffer.concat(((node as Asn1.Constructed).valueBlock.value as Asn1.AsnType[]).map(contentOf));
  const header = node.idBlock.blockLength + node.lenBlock.blockLength;
  return Buffer.from(node.valueBeforeDecodeView.subarray(header));
}
