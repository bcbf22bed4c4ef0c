using System.Buffers.Binary;
using System.IO.Compression;

namespace Dojo.Domain.Datasets;

/// <summary>A file that is not a readable IDX file, with the reason.</summary>
public sealed class IdxFormatException(string message) : Exception(message);

/// <summary>
/// IDX (the MNIST file format), raw or gzip: a magic number 0x0000, the data type (0x08 unsigned bytes,
/// 0x0D big-endian float32) and the number of dimensions, then each dimension as a big-endian int32, then
/// the data, which must be exactly as long as the dimensions say. MNIST-like images and labels are bytes;
/// Dojo stores CSV features as floats.
/// </summary>
public static class IdxFile
{
    public const byte UnsignedByte = 0x08, Float32 = 0x0D;

    /// <summary>The dimensions and the data: bytes, or (for float files) the floats with <see cref="Data"/> empty.</summary>
    public sealed record Content(int[] Dimensions, byte[] Data, float[]? Floats = null)
    {
        public long Count => Dimensions.Aggregate(1L, (a, b) => a * b);
        public float Value(long index) => Floats is null ? Data[index] : Floats[index];
    }

    /// <summary>Writes a gzip IDX file of bytes (images, labels) or floats.</summary>
    public static void Write(Stream target, int[] dimensions, byte[]? bytes, float[]? floats = null)
    {
        using var zip = new GZipStream(target, CompressionLevel.Optimal, leaveOpen: true);
        zip.Write(HeaderBytes(dimensions, floats is null ? UnsignedByte : Float32));
        if (floats is null) zip.Write(bytes);
        else
        {
            var buffer = new byte[4];
            foreach (float f in floats)
            {
                BinaryPrimitives.WriteSingleBigEndian(buffer, f);
                zip.Write(buffer);
            }
        }
    }

    /// <summary>An IDX file's header: its dimensions and element type (<see cref="UnsignedByte"/> or <see cref="Float32"/>).</summary>
    public sealed record Header(int[] Dimensions, byte Type)
    {
        public long DataBytes => Dimensions.Aggregate(1L, (a, b) => a * b) * (Type == Float32 ? 4 : 1);
    }

    /// <summary>
    /// Copies an IDX file (raw or gzip) into <paramref name="target"/> as a gzip IDX file, checking it on the way and
    /// holding no more than a buffer of it: a gzip file's own declared size and then the IDX header against
    /// <paramref name="maxBytes"/> before any data is unpacked; the data exactly as long as the header says, nothing after.
    /// A small gzip file that unpacks to gigabytes is refused after its header, with a few kilobytes read.
    /// </summary>
    public static Header CopyChecked(Stream source, Stream target, long maxBytes)
    {
        if (!source.CanSeek) throw new ArgumentException("the source must be seekable (uploads are buffered)", nameof(source));
        long start = source.Position;
        bool gzip = source.ReadByte() == 0x1F && source.ReadByte() == 0x8B;
        if (gzip && source.Length - start >= 18)
        {
            // A gzip member ends with its unpacked size (modulo 4 GiB): refuse what says it is too large unread.
            source.Position = source.Length - 4;
            var size = new byte[4];
            source.ReadExactly(size);
            long unpacked = BinaryPrimitives.ReadUInt32LittleEndian(size);
            if (unpacked > maxBytes + 4 + 4 * 4) throw new IdxFormatException($"the gzip data unpacks to {unpacked} bytes; the limit is {maxBytes}");
        }
        source.Position = start;
        try
        {
            using var input = gzip ? new GZipStream(source, CompressionMode.Decompress, leaveOpen: true) : null;
            var raw = input ?? source;
            var header = ReadHeader(raw, maxBytes);
            using var output = new GZipStream(target, CompressionLevel.Fastest, leaveOpen: true);
            output.Write(HeaderBytes(header.Dimensions, header.Type));
            var buffer = new byte[81920];
            long left = header.DataBytes;
            while (left > 0)
            {
                int read = raw.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (read == 0) throw new IdxFormatException($"truncated: the header announces {header.DataBytes} bytes of data, the file has {header.DataBytes - left}");
                output.Write(buffer, 0, read);
                left -= read;
            }
            if (raw.ReadByte() != -1) throw new IdxFormatException($"the file is longer than the {header.DataBytes} bytes of data its header announces");
            return header;
        }
        catch (InvalidDataException ex)
        {
            throw new IdxFormatException($"the gzip data is corrupt: {ex.Message}");
        }
    }

    public static Content Read(string path, long maxBytes = long.MaxValue)
    {
        using var file = File.OpenRead(path);
        return Read(file, maxBytes);
    }

    /// <summary>Reads raw or gzip IDX; a stream that cannot seek is buffered first (files and uploads can).</summary>
    public static Content Read(Stream stream, long maxBytes = long.MaxValue)
    {
        if (!stream.CanSeek)
        {
            var buffered = new MemoryStream();
            stream.CopyTo(buffered);
            buffered.Position = 0;
            stream = buffered;
        }
        long start = stream.Position;
        bool gzip = stream.ReadByte() == 0x1F && stream.ReadByte() == 0x8B;
        stream.Position = start;
        try
        {
            return ReadRaw(gzip ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : stream, maxBytes);
        }
        catch (InvalidDataException ex)
        {
            throw new IdxFormatException($"the gzip data is corrupt: {ex.Message}");
        }
    }

    private static Content ReadRaw(Stream source, long maxBytes)
    {
        var header = ReadHeader(source, maxBytes);
        long length = header.DataBytes;
        var data = new byte[length];
        int read = source.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length) throw new IdxFormatException($"truncated: the header announces {length} bytes of data, the file has {read}");
        if (source.ReadByte() != -1) throw new IdxFormatException($"the file is longer than the {length} bytes of data its header announces");
        if (header.Type == UnsignedByte) return new Content(header.Dimensions, data);
        var floats = new float[length / 4];
        for (int i = 0; i < floats.Length; i++) floats[i] = BinaryPrimitives.ReadSingleBigEndian(data.AsSpan(4 * i));
        return new Content(header.Dimensions, [], floats);
    }

    private static byte[] HeaderBytes(int[] dimensions, byte type)
    {
        var header = new byte[4 + 4 * dimensions.Length];
        header[2] = type;
        header[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dimensions[i]);
        return header;
    }

    /// <summary>The magic number, type and dimensions; the data they announce checked against <paramref name="maxBytes"/> before any of it is read.</summary>
    private static Header ReadHeader(Stream source, long maxBytes)
    {
        var header = new byte[4];
        if (source.ReadAtLeast(header, 4, throwOnEndOfStream: false) < 4) throw new IdxFormatException("the file is shorter than an IDX header");
        if (header[0] != 0 || header[1] != 0)
            throw new IdxFormatException($"wrong magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(header):X8}; IDX files start with 0x000008nn");
        if (header[2] is not (UnsignedByte or Float32)) throw new IdxFormatException($"data type 0x{header[2]:X2} is not supported; only unsigned bytes (0x08) and float32 (0x0D)");
        int width = header[2] == Float32 ? 4 : 1;
        int rank = header[3];
        if (rank is < 1 or > 4) throw new IdxFormatException($"{rank} dimensions; expected 1 to 4");
        var sizes = new byte[4 * rank];
        if (source.ReadAtLeast(sizes, sizes.Length, throwOnEndOfStream: false) < sizes.Length) throw new IdxFormatException("the header is truncated");
        var dims = new int[rank];
        double length = width; // in double: four dimensions of up to 2³¹ overflow a long
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(sizes.AsSpan(4 * i));
            if (dims[i] < 1) throw new IdxFormatException($"dimension {i} is {dims[i]}");
            length *= dims[i];
        }
        if (length > maxBytes) throw new IdxFormatException($"the header announces {length:0} bytes of data; the limit is {maxBytes}");
        return new Header(dims, header[2]);
    }
}
