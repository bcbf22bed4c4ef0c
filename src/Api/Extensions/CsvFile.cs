using System.Globalization;
using System.Text;
using CsvHelper;

namespace Dojo.Api.Extensions;

/// <summary>CSV downloads as spreadsheets open them: UTF-8 with a byte-order mark (Excel then reads it as UTF-8), invariant culture.</summary>
public static class CsvFile
{
    public static byte[] Utf8WithBom(Action<CsvWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)))
        using (var csv = new CsvWriter(writer, CultureInfo.InvariantCulture))
            write(csv);
        return stream.ToArray();
    }
}
