// Reading a QR code from a picture the user opened (a peer's keys, a device link): the app
// has no camera access on the desktop, and a screenshot or photo is what people have.
import jsQR from 'jsqr';

/** The text of the QR code in `file`, or null when there is none to read. */
export async function readQr(file: File): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.drawImage(bitmap, 0, 0);
  const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
  return jsQR(image.data, image.width, image.height)?.data ?? null;
}
