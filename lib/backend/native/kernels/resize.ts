// Image resizing (native/src/resize.cc): ResizeNearestNeighbor, ResizeBilinear and their
// gradients, NHWC float32, with tfjs's alignCorners / halfPixelCenters rules.
import { type KernelContext, type Kernels, type TensorInfo, allF32, backendOf, sizeOf } from './context';

type ResizeAttrs = { alignCorners: boolean; halfPixelCenters: boolean; size?: [number, number] };

const MODES = { ResizeNearestNeighbor: 0, ResizeBilinear: 1 } as const;

export function resizeKernels(ctx: KernelContext): Kernels {
  const { addon, off, heap, fb } = ctx;
  const k: Kernels = {};
  for (const [name, mode] of Object.entries(MODES)) {
    k[name] = (args) => {
      const { images } = args.inputs as { images: TensorInfo };
      const a = args.attrs as unknown as ResizeAttrs;
      if (!allF32(images) || images.shape.length !== 4 || !a.size) return fb(name, args);
      const [n, h, w, c] = images.shape;
      const out = [n, a.size[0], a.size[1], c];
      const b = backendOf(args);
      const y = b.makeOutput(out, 'float32');
      if (sizeOf(out) > 0 && sizeOf(images.shape) > 0) {
        addon.resize(heap(b), mode, off(b, images), off(b, y), [n, h, w, c, a.size[0], a.size[1]], +a.alignCorners, +a.halfPixelCenters);
      }
      return y;
    };
    // The gradient is the forward's adjoint, halfPixelCenters included (tfjs's cpu
    // ResizeBilinearGrad ignores that flag; nothing here sets it).
    k[`${name}Grad`] = (args) => {
      const { images, dy } = args.inputs as { images: TensorInfo; dy: TensorInfo };
      const a = args.attrs as unknown as ResizeAttrs;
      if (!allF32(images, dy) || images.shape.length !== 4 || dy.shape.length !== 4) return fb(`${name}Grad`, args);
      const [n, h, w, c] = images.shape;
      const b = backendOf(args);
      const dx = b.makeOutput(images.shape, 'float32');
      if (sizeOf(images.shape) > 0 && sizeOf(dy.shape) > 0) {
        addon.resizeGrad(heap(b), mode, off(b, dy), off(b, dx), [n, h, w, c, dy.shape[1], dy.shape[2]], +a.alignCorners, +a.halfPixelCenters);
      }
      return dx;
    };
  }
  return k;
}
