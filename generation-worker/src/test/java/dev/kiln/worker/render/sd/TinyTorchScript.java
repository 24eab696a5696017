package dev.kiln.worker.render.sd;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes tiny TorchScript archives without Python: a parameterless module whose {@code forward} is TorchScript source
 * in {@code code/__torch__.py}, and whose {@code data.pkl} is the pickle {@code torch.jit.save} writes for such a
 * module (the class as a global, an empty tuple, NEWOBJ, then a dict holding {@code training = False}, BUILD).
 * {@code torch.jit.load}, and so DJL, compiles the source on load. Lets tests run real TorchScript modules that
 * honour Stable Diffusion's tensor contracts.
 */
final class TinyTorchScript {

	private TinyTorchScript() {
	}

	/**
	 * Writes a module.
	 * @param file the {@code .pt} file
	 * @param className the module's class name
	 * @param forward the {@code forward} method's TorchScript source, indented by four spaces, starting with
	 * {@code def forward(self: __torch__.<className>, ...}
	 * @throws IOException when the file cannot be written
	 */
	static void write(Path file, String className, String forward) throws IOException {
		String code = "class " + className + "(Module):\n" + "  __parameters__ = []\n" + "  __buffers__ = []\n"
				+ "  training : bool\n" + forward;
		try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
			stored(zip, "archive/data.pkl", modulePickle(className));
			stored(zip, "archive/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
			stored(zip, "archive/constants.pkl", new byte[] { (byte) 0x80, 2, ')', '.' });
			stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
		}
	}

	/** A text encoder returning (pooled (1, 768), tokens (1, 77, 768)), checking it gets int64 (1, 77). */
	static final String TEXT_ENCODER = """
			  def forward(self: __torch__.TextEncoder,
			    ids: Tensor) -> Tuple[Tensor, Tensor]:
			    if torch.is_floating_point(ids) or ids.dim() != 2 or ids.size(0) != 1 or ids.size(1) != 77:
			      ops.prim.RaiseException("text encoder contract: ids must be int64 (1, 77)")
			    e = torch.mul(torch.repeat(torch.unsqueeze(ids.float(), 2), [1, 1, 768]), 0.001)
			    return (torch.mean(e, [1]), e)
			""";

	/**
	 * A UNet checking latents (b, 4, h, w), an integer scalar timestep and text (b, 77, D): b is 2n for n guided
	 * images, n for unguided ones.
	 */
	static final String UNET = """
			  def forward(self: __torch__.UNet,
			    sample: Tensor,
			    timestep: Tensor,
			    text: Tensor) -> Tuple[Tensor]:
			    if sample.dim() != 4 or sample.size(1) != 4:
			      ops.prim.RaiseException("unet contract: latents must be (b, 4, h, w)")
			    if torch.is_floating_point(timestep) or timestep.dim() != 0:
			      ops.prim.RaiseException("unet contract: timestep must be an integer scalar")
			    if text.dim() != 3 or text.size(0) != sample.size(0) or text.size(1) != 77:
			      ops.prim.RaiseException("unet contract: text must be (b, 77, D)")
			    return (torch.add(torch.mul(sample, 0.5), torch.mean(text)),)
			""";

	/** A VAE decoder turning (n, 4, h, w) into (n, 3, 8h, 8w). */
	static final String VAE_DECODER = """
			  def forward(self: __torch__.VaeDecoder,
			    z: Tensor) -> Tensor:
			    if z.dim() != 4 or z.size(1) != 4:
			      ops.prim.RaiseException("vae contract: latents must be (n, 4, h, w)")
			    x = torch.slice(z, 1, 0, 3)
			    return torch.tanh(torch.repeat_interleave(torch.repeat_interleave(x, 8, 2), 8, 3))
			""";

	/**
	 * Writes a complete tiny Stable Diffusion folder: the three modules above and the fixture tokenizer.
	 * @param directory the folder, which must exist
	 * @return {@code directory}
	 * @throws IOException when a file cannot be written
	 */
	static Path writeStableDiffusionFolder(Path directory) throws IOException {
		write(directory.resolve("text_encoder.pt"), "TextEncoder", TEXT_ENCODER);
		write(directory.resolve("unet.pt"), "UNet", UNET);
		write(directory.resolve("vae_decoder.pt"), "VaeDecoder", VAE_DECODER);
		Files.copy(ClipTokenizerTests.fixture(), directory.resolve("tokenizer.json"));
		return directory;
	}

	private static byte[] modulePickle(String className) {
		ByteArrayOutputStream pickle = new ByteArrayOutputStream();
		pickle.write(0x80); // PROTO 2
		pickle.write(2);
		pickle.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL
		pickle.write(')'); // EMPTY_TUPLE
		pickle.write(0x81); // NEWOBJ
		pickle.write('}'); // EMPTY_DICT
		pickle.write('('); // MARK
		byte[] name = "training".getBytes(StandardCharsets.US_ASCII);
		pickle.write('X'); // BINUNICODE
		pickle.write(name.length);
		pickle.write(0);
		pickle.write(0);
		pickle.write(0);
		pickle.writeBytes(name);
		pickle.write(0x89); // NEWFALSE
		pickle.write('u'); // SETITEMS
		pickle.write('b'); // BUILD
		pickle.write('.'); // STOP
		return pickle.toByteArray();
	}

	private static void stored(ZipOutputStream zip, String name, byte[] content) throws IOException {
		ZipEntry entry = new ZipEntry(name);
		entry.setMethod(ZipEntry.STORED);
		entry.setSize(content.length);
		entry.setCompressedSize(content.length);
		CRC32 crc = new CRC32();
		crc.update(content);
		entry.setCrc(crc.getValue());
		zip.putNextEntry(entry);
		zip.write(content);
		zip.closeEntry();
	}

}
