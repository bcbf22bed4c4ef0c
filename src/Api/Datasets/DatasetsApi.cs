using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Dojo.Api.Extensions;
using Dojo.Api.People;
using Dojo.Domain.Datasets;
using Dojo.Domain.People;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Dojo.Storage.Artifacts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using static Dojo.Api.Extensions.Problems;

namespace Dojo.Api.Datasets;

public sealed record BuiltinDatasetDto(BuiltinDataset Name, int Height, int Width, int Classes, int Count, bool Installed, string InstallHint,
    IReadOnlyList<string>? ClassNames);

public sealed record UploadDto(Guid Id, Guid OwnerId, string Name, string Format, UploadInfo Info, long StoredBytes, DateTime CreatedAt)
{
    public static UploadDto From(DatasetUpload u) => new(u.Id, u.OwnerId, u.Name, u.Format, u.Info, u.StoredBytes, u.CreatedAt);
}

/// <summary>
/// Data sets as resources: the built-in ones (and whether this machine has them), and uploads — IDX image and
/// label files (raw or gzip) or a CSV of a label column and features — checked (magic numbers, counts that
/// match, label range, sizes) before anything is stored, then stored once as IDX files and referenced by id
/// (<c>"dataset": { "kind": "upload", "uploadId": "…" }</c>). A student's uploads are theirs; an instructor's are for everyone.
/// </summary>
public static class DatasetsApi
{
    public static IEndpointRouteBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/datasets").WithTags("Datasets");
        api.MapGet("/builtin", () => TypedResults.Ok(BuiltinDatasets.All(Path.Combine(AppContext.BaseDirectory, "datasets"))
                .Select(d => new BuiltinDatasetDto(d.Name, d.Height, d.Width, d.Classes, d.Count, d.Installed, d.InstallHint, d.ClassNames)).ToList()))
            .WithName("ListBuiltinDatasets").WithSummary("The built-in data sets and whether this machine has them");
        api.MapPost("/uploads", UploadAsync).WithName("UploadDataset").DisableAntiforgery().RequireRateLimiting(RateLimits.Upload)
            .Accepts<IFormFile>("multipart/form-data").WithMetadata(new UploadSizeLimit(app.ServiceProvider.GetRequiredService<IConfiguration>()))
            .WithSummary("Upload a data set: parts images + labels (IDX, raw or gzip) or csv (label column + features; fields classes, labelColumn, height, width), series (a time series as CSV; field column), or text (UTF-8, for a language model); field name");
        api.MapGet("/uploads", ListAsync).WithName("ListDatasetUploads").WithSummary("Uploaded data sets you can use");
        api.MapGet("/uploads/{id:guid}", GetAsync).WithName("GetDatasetUpload").WithSummary("An uploaded data set's shape, classes and size");
        return app;
    }

    private static async Task<IResult> UploadAsync(HttpRequest http, Viewer viewer, IDbContextFactory<DojoDb> contexts, IOptions<DojoOptions> storage,
        IArtifactStore artifacts, IOptions<SpecLimits> limits, IConfiguration configuration, TimeProvider clock, CancellationToken ct)
    {
        if (!http.HasFormContentType) return Invalid("body", "send multipart/form-data with the parts images + labels, csv, or series");
        var form = await http.ReadFormCheckedAsync(ct);
        string name = form["name"].ToString().Trim();
        if (name.Length is 0 or > 200) return Invalid("name", "must be 1 to 200 characters");
        long maxBytes = configuration.GetValue("Dojo:Limits:MaxDatasetBytes", 256L << 20);
        int maxSamples = limits.Value.MaxSamples;
        var id = Guid.CreateVersion7(clock.GetUtcNow());
        // Written into a folder beside and checked, then stored, then recorded: a data set is there whole or not at all.
        string incoming = Path.Combine(storage.Value.FullDataDirectory, "datasets", "incoming", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(incoming);
        try
        {
            int? classes = OptionalInt(form, "classes");
            (UploadInfo Info, string Format) parsed;
            if (form.Files.GetFile("csv") is { } csv)
                parsed = (StoreCsv(csv, incoming, form["labelColumn"].ToString(), OptionalInt(form, "height"), OptionalInt(form, "width"), classes, maxSamples, maxBytes), "csv");
            else if (form.Files.GetFile("text") is { } text)
                parsed = (StoreText(text, incoming, maxBytes), "text");
            else if (form.Files.GetFile("series") is { } series)
                parsed = (StoreSeries(series, incoming, form["column"].ToString(), maxSamples), "series");
            else if (form.Files.GetFile("images") is { } imagesFile && form.Files.GetFile("labels") is { } labelsFile)
                parsed = (StoreIdx(imagesFile, labelsFile, incoming, classes, maxSamples, maxBytes), "idx");
            else return Invalid("images", "send the parts images and labels (IDX), csv, series (a time series as CSV) or text");

            long stored = new DirectoryInfo(incoming).EnumerateFiles().Sum(f => f.Length);
            foreach (var file in new DirectoryInfo(incoming).EnumerateFiles())
                await artifacts.PutFileAsync(JobFiles.Upload(id) + file.Name, file.FullName, ct);
            var upload = DatasetUpload.Create(id, viewer.UserId, name, parsed.Format, parsed.Info, stored, clock.GetUtcNow().UtcDateTime);
            await using var db = await contexts.CreateDbContextAsync(ct);
            db.DatasetUploads.Add(upload);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch
            {
                await artifacts.DeleteAllAsync(JobFiles.Upload(id), CancellationToken.None);
                throw;
            }
            return TypedResults.Created($"/api/datasets/uploads/{id}", UploadDto.From(upload));
        }
        catch (UploadException ex)
        {
            return Invalid(ex.Field, ex.Message);
        }
        finally
        {
            if (Directory.Exists(incoming)) Directory.Delete(incoming, recursive: true);
        }
    }

    private static async Task<IResult> ListAsync(Viewer viewer, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var uploads = await Visible(db, viewer).OrderByDescending(u => u.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(uploads.Select(UploadDto.From).ToList());
    }

    private static async Task<IResult> GetAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var upload = await Visible(db, viewer).SingleOrDefaultAsync(u => u.Id == id, ct);
        return upload is null ? TypedResults.NotFound() : TypedResults.Ok(UploadDto.From(upload));
    }

    /// <summary>Uploads the viewer may use: their own and instructors' (instructors: all).</summary>
    public static IQueryable<DatasetUpload> Visible(DojoDb db, Viewer viewer) => viewer.IsInstructor
        ? db.DatasetUploads.AsNoTracking()
        : db.DatasetUploads.AsNoTracking().Where(u => u.OwnerId == viewer.UserId
            || db.Users.Any(owner => owner.Id == u.OwnerId && owner.Role == Role.Instructor));

    /// <summary>
    /// An IDX pair: the labels (one byte a sample) read and checked, the images streamed through into the stored gzip
    /// file with their size checked on the way — never held whole in memory, however far they unpack.
    /// </summary>
    private static UploadInfo StoreIdx(IFormFile imagesFile, IFormFile labelsFile, string folder, int? classes, int maxSamples, long maxBytes)
    {
        IdxFile.Content labels;
        IdxFile.Header images;
        try
        {
            using var labelStream = labelsFile.OpenReadStream();
            labels = IdxFile.Read(labelStream, maxBytes: maxSamples);
        }
        catch (IdxFormatException ex)
        {
            throw new UploadException("labels", ex.Message);
        }
        try
        {
            using var imageStream = imagesFile.OpenReadStream();
            using var file = File.Create(Path.Combine(folder, "images.idx.gz"));
            images = IdxFile.CopyChecked(imageStream, file, maxBytes);
        }
        catch (IdxFormatException ex)
        {
            throw new UploadException("images", ex.Message);
        }
        var info = DatasetUpload.CheckIdx(images, labels, maxSamples, classes);
        using (var file = File.Create(Path.Combine(folder, "labels.idx.gz"))) IdxFile.Write(file, labels.Dimensions, labels.Data);
        return info;
    }

    /// <summary>
    /// A CSV with a header row (or none: then the label is column 0): one sample a row, the label column an integer
    /// 0–255, every other column a number. Integer pixels 0–255 are kept as bytes (pixel range 255), anything else as floats.
    /// </summary>
    private static UploadInfo StoreCsv(IFormFile file, string folder, string labelColumn, int? height, int? width,
        int? classes, int maxSamples, long maxBytes)
    {
        var features = new List<float>();
        var labels = new List<byte>();
        int columns = -1, labelIndex = -1;
        bool integral = true;
        ReadCsv(file, "csv", (header, count) =>
        {
            columns = count;
            labelIndex = ColumnIndex(header, labelColumn, columns, "labelColumn", "label", fallback: 0);
            if (columns < 2) throw new UploadException("csv", "needs a label column and at least one feature column");
        }, (row, line) =>
        {
            if (labels.Count >= maxSamples) throw new UploadException("csv", $"has more than {maxSamples} samples (Dojo:Limits:MaxSamples)");
            if ((long)(labels.Count + 1) * (columns - 1) * 4 > maxBytes) throw new UploadException("csv", $"holds more than {maxBytes} bytes of features (Dojo:Limits:MaxDatasetBytes)");
            for (int c = 0; c < columns; c++)
            {
                if (!float.TryParse(row[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
                    throw new UploadException("csv", $"line {line}, column {c + 1}: '{row[c]}' is not a number");
                if (c == labelIndex)
                {
                    if (value is < 0 or > 255 || value != MathF.Floor(value)) throw new UploadException("csv", $"line {line}: label '{row[c]}' is not a whole number 0–255");
                    labels.Add((byte)value);
                }
                else
                {
                    features.Add(value);
                    integral &= value is >= 0 and <= 255 && value == MathF.Floor(value);
                }
            }
        });
        if (labels.Count == 0) throw new UploadException("csv", "has no samples");
        int featureCount = columns - 1;
        int[] dims = [labels.Count, featureCount];
        if (height is not null || width is not null)
        {
            if (height is not > 0 || width is not > 0 || height * width != featureCount)
                throw new UploadException("height", $"height × width must equal the {featureCount} feature columns");
            dims = [labels.Count, height.Value, width.Value];
        }
        var labelContent = new IdxFile.Content([labels.Count], labels.ToArray());
        var info = DatasetUpload.CheckIdx(new IdxFile.Header(dims, integral ? IdxFile.UnsignedByte : IdxFile.Float32), labelContent, maxSamples, classes);
        using (var images = File.Create(Path.Combine(folder, "images.idx.gz")))
            IdxFile.Write(images, dims, integral ? features.Select(f => (byte)f).ToArray() : null, integral ? null : features.ToArray());
        using (var stored = File.Create(Path.Combine(folder, "labels.idx.gz"))) IdxFile.Write(stored, labelContent.Dimensions, labelContent.Data);
        return info;
    }

    /// <summary>
    /// A series as CSV: one value a row, in <paramref name="column"/> (a header's name, or an index from 0; default the
    /// last column), with or without a header row. Stored as <c>series.csv</c>, one value a line.
    /// </summary>
    private static UploadInfo StoreSeries(IFormFile file, string folder, string column, int maxSamples)
    {
        var values = new List<double>();
        int valueIndex = -1;
        ReadCsv(file, "series", (header, columns) => valueIndex = ColumnIndex(header, column, columns, "column", null, fallback: columns - 1), (row, line) =>
        {
            if (values.Count >= maxSamples) throw new UploadException("series", $"has more than {maxSamples} values (Dojo:Limits:MaxSamples)");
            if (!double.TryParse(row[valueIndex], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                throw new UploadException("series", $"line {line}, column {valueIndex + 1}: '{row[valueIndex]}' is not a number");
            values.Add(value);
        });
        if (values.Count < 10) throw new UploadException("series", $"has {values.Count} values; a series needs at least 10");
        File.WriteAllLines(Path.Combine(folder, TimeSeriesData.SeriesFile), ["value", .. values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))]);
        return new UploadInfo([1], 0, values.Count, 0) { Content = UploadContent.Series };
    }

    /// <summary>
    /// Reads a CSV upload row by row. The first row gives the column count and, when not every cell is a number, is a
    /// header (<paramref name="first"/> gets it, else null); every data row, with its line number, goes to
    /// <paramref name="row"/>. A row of another length, or text that is not CSV, is named at <paramref name="field"/>.
    /// </summary>
    private static void ReadCsv(IFormFile file, string field, Action<string[]?, int> first, Action<string[], int> row)
    {
        using var reader = new StreamReader(file.OpenReadStream());
        using var csv = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { DetectDelimiter = false, TrimOptions = TrimOptions.Trim });
        int columns = -1;
        try
        {
            while (csv.Read())
            {
                var cells = csv.Record!;
                int line = csv.Row;
                if (columns < 0)
                {
                    columns = cells.Length;
                    bool header = !cells.All(cell => double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
                    first(header ? cells : null, columns);
                    if (header) continue;
                }
                if (cells.Length != columns) throw new UploadException(field, $"line {line} has {cells.Length} fields; the first line has {columns}");
                row(cells, line);
            }
        }
        catch (CsvHelperException ex)
        {
            throw new UploadException(field, $"is not readable CSV: {ex.Message.Split('\n')[0]}");
        }
    }

    /// <summary>The most distinct characters a text may have: its alphabet is a language model's vocabulary.</summary>
    private const int MaxAlphabet = 1000;

    /// <summary>A UTF-8 text for a language model: stored with LF line ends; its alphabet (distinct characters, in order) described.</summary>
    private static UploadInfo StoreText(IFormFile file, string folder, long maxBytes)
    {
        if (file.Length > maxBytes) throw new UploadException("text", $"is {file.Length} bytes; the limit is {maxBytes} (Dojo:Limits:MaxDatasetBytes)");
        string text;
        try
        {
            using var reader = new StreamReader(file.OpenReadStream(), new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true));
            text = reader.ReadToEnd().Replace("\r\n", "\n");
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new UploadException("text", "is not UTF-8 text");
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        if (text.Length < 1000) throw new UploadException("text", $"has {text.Length} characters; a language model needs at least 1000");
        string alphabet = TextData.AlphabetOf(text);
        if (alphabet.Length > MaxAlphabet) throw new UploadException("text", $"uses {alphabet.Length} distinct characters; at most {MaxAlphabet} (each is a token)");
        File.WriteAllText(Path.Combine(folder, TextData.TextFile), text, new System.Text.UTF8Encoding(false));
        return new UploadInfo([1], alphabet.Length, text.Length, 0) { Content = UploadContent.Text, Alphabet = alphabet };
    }

    /// <summary>The column a form field names — by the header's name or by index from 0 — else the one named <paramref name="byDefault"/>, else <paramref name="fallback"/>.</summary>
    private static int ColumnIndex(string[]? header, string requested, int columns, string field, string? byDefault, int fallback)
    {
        if (int.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            return index < columns ? index : throw new UploadException(field, $"column {index} does not exist; the CSV has {columns} (counted from 0)");
        string? wanted = requested.Length > 0 ? requested : byDefault;
        int named = header is null || wanted is null ? -1 : Array.FindIndex(header, h => string.Equals(h, wanted, StringComparison.OrdinalIgnoreCase));
        if (named >= 0) return named;
        if (requested.Length > 0) throw new UploadException(field, $"the header has no column '{requested}'");
        return fallback;
    }

    private static int? OptionalInt(IFormCollection form, string field)
    {
        string text = form[field].ToString();
        if (text.Length == 0) return null;
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : throw new UploadException(field, $"'{text}' is not a whole number");
    }

}
