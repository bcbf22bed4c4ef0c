using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dojo.Api.Datasets;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dojo.Api.Tests;

/// <summary>Uploaded data sets through the real API: IDX pairs and CSV, checked before anything is stored, then trained on.</summary>
public abstract class DatasetUploadSuite(DojoFactory factory)
{
    private readonly DojoClient _client = new(factory.CreateClient());

    private static readonly IdxFile.Content DigitImages = IdxFile.Read(Path.Combine(AppContext.BaseDirectory, "datasets", "digits", "images.idx.gz"));
    private static readonly IdxFile.Content DigitLabels = IdxFile.Read(Path.Combine(AppContext.BaseDirectory, "datasets", "digits", "labels.idx.gz"));

    /// <summary>The first <paramref name="count"/> digits as raw IDX files (header + bytes).</summary>
    private static (byte[] Images, byte[] Labels) RawIdx(int count)
    {
        static byte[] Header(params int[] dims)
        {
            var header = new byte[4 + 4 * dims.Length];
            header[2] = 0x08;
            header[3] = (byte)dims.Length;
            for (int i = 0; i < dims.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
            return header;
        }
        return ([.. Header(count, 8, 8), .. DigitImages.Data.AsSpan(0, count * 64)], [.. Header(count), .. DigitLabels.Data.AsSpan(0, count)]);
    }

    private static MultipartFormDataContent Form(string name, params (string Part, byte[] Content)[] files)
    {
        var form = new MultipartFormDataContent { { new StringContent(name), "name" } };
        foreach (var (part, content) in files) form.Add(new ByteArrayContent(content), part, part + ".bin");
        return form;
    }

    private static JsonObject MlpOn(Guid uploadId, int[]? flatten = null) => new()
    {
        ["dataset"] = new JsonObject { ["kind"] = "upload", ["uploadId"] = uploadId.ToString(), ["testCount"] = 100, ["seed"] = 3 },
        ["network"] = JsonNode.Parse("""{ "layers": [ { "type": "flatten" }, { "type": "dense", "units": 32 }, { "type": "activation", "function": "relu" }, { "type": "dense", "units": 10 } ] }"""),
        ["optimizer"] = new JsonObject { ["kind"] = "adam", ["learningRate"] = 0.01 },
        ["training"] = new JsonObject { ["loss"] = "crossEntropy", ["batchSize"] = 32, ["epochs"] = 15, ["seed"] = 3 },
    };

    private async Task<UploadDto> UploadAsync(HttpClient http, MultipartFormDataContent form)
    {
        var response = await http.PostAsync("/api/datasets/uploads", form);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return System.Text.Json.JsonSerializer.Deserialize<UploadDto>(body, SpecJson.Options)!;
    }

    [Fact]
    public async Task An_idx_pair_is_stored_once_and_a_job_learns_from_it()
    {
        var (images, labels) = RawIdx(800);
        var upload = await UploadAsync(_client.Http, Form("digits-800", ("images", images), ("labels", labels)));
        Assert.Equal([1, 8, 8], upload.Info.SampleShape);
        Assert.Equal((10, 800, 255), (upload.Info.Classes, upload.Info.Count, upload.Info.PixelMax));

        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(MlpOn(upload.Id))).Id);
        Assert.True(job.State == JobState.Succeeded, job.Reason);
        Assert.True(job.Result![MetricNames.TestAccuracy] >= 0.8, $"test accuracy {job.Result[MetricNames.TestAccuracy]}");
        Assert.Equal(upload.Info.Count, ((UploadDatasetSpec)job.Supervised().Dataset).Upload!.Count); // resolved into the stored spec at submit
    }

    [Fact]
    public async Task A_csv_of_float_features_with_a_label_column_trains_too()
    {
        var csv = new StringBuilder("f0");
        for (int f = 1; f < 64; f++) csv.Append(CultureInfo.InvariantCulture, $",f{f}");
        csv.Append(",digit\n");
        for (int n = 0; n < 500; n++)
        {
            for (int f = 0; f < 64; f++) csv.Append(CultureInfo.InvariantCulture, $"{DigitImages.Data[n * 64 + f] / 16.0:0.####},");
            csv.Append(CultureInfo.InvariantCulture, $"{DigitLabels.Data[n]}\n");
        }
        var form = Form("digits-csv", ("csv", Encoding.UTF8.GetBytes(csv.ToString())));
        form.Add(new StringContent("digit"), "labelColumn");
        var upload = await UploadAsync(_client.Http, form);
        Assert.Equal([64], upload.Info.SampleShape);
        Assert.Equal((10, 500, 0), (upload.Info.Classes, upload.Info.Count, upload.Info.PixelMax));

        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(MlpOn(upload.Id))).Id);
        Assert.True(job.State == JobState.Succeeded, job.Reason);
        Assert.True(job.Result![MetricNames.TestAccuracy] >= 0.8, $"test accuracy {job.Result[MetricNames.TestAccuracy]}");
    }

    public static TheoryData<string, string, string> Malformed => new()
    {
        { "wrong magic number", "images", "wrong magic number" },
        { "truncated images", "images", "truncated" },
        { "more labels than images", "labels", "labels for" },
        { "ragged csv", "csv", "line 3 has 2 fields; the first line has 3" },
        { "label out of range", "labels", "outside 0…4" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Malformed_uploads_are_refused_naming_the_problem_and_nothing_is_stored(string what, string field, string message)
    {
        var (images, labels) = RawIdx(50);
        var form = what switch
        {
            "wrong magic number" => Form(what, ("images", [0x1F, 0x00, .. images[2..]]), ("labels", labels)),
            "truncated images" => Form(what, ("images", images[..^10]), ("labels", labels)),
            "more labels than images" => Form(what, ("images", images), ("labels", RawIdx(60).Labels)),
            "ragged csv" => Form(what, ("csv", "label,a,b\n1,2,3\n0,4\n"u8.ToArray())),
            _ => Form(what, ("images", images), ("labels", labels)),
        };
        if (what == "label out of range") form.Add(new StringContent("5"), "classes");
        int before = await CountUploadsAsync();

        var response = await _client.Http.PostAsync("/api/datasets/uploads", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        Assert.Contains(message, Assert.Single(problem.Errors[field]));
        Assert.Equal(before, await CountUploadsAsync());
    }

    [Fact]
    public async Task A_students_upload_is_theirs_and_an_instructors_is_for_everyone()
    {
        var (images, labels) = RawIdx(100);
        var (alice, _) = await factory.CreateStudentAsync("アップロード 甲");
        var (bob, _) = await factory.CreateStudentAsync("アップロード 乙");
        var alices = await UploadAsync(alice, Form("alice's", ("images", images), ("labels", labels)));
        var instructors = await UploadAsync(_client.Http, Form("course data", ("images", images), ("labels", labels)));

        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/datasets/uploads/{alices.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"/api/datasets/uploads/{instructors.Id}")).StatusCode);
        var refused = await bob.PostAsJsonAsync("/api/jobs", MlpOn(alices.Id));
        Assert.Contains("dataset.uploadId", (await refused.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
    }

    private async Task<int> CountUploadsAsync()
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DojoDb>>().CreateDbContextAsync();
        int rows = await db.DatasetUploads.CountAsync();
        // Every upload's files are stored under its id in the artifact store, and nothing else is.
        var stored = (await factory.Services.GetRequiredService<Dojo.Storage.Artifacts.IArtifactStore>().ListAsync("datasets/", CancellationToken.None))
            .Select(a => a.Key.Split('/')[1]).Where(id => id != "incoming").Distinct().Count();
        Assert.Equal(rows, stored);
        string folder = Path.Combine(factory.DataDirectory, "datasets");
        if (Directory.Exists(Path.Combine(folder, "incoming"))) Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(folder, "incoming")));
        return rows;
    }
}

/// <summary>The DatasetUpload tests on SQLite with artifacts in the data directory (the defaults).</summary>
public sealed class DatasetUploadTests(DojoFactory factory) : DatasetUploadSuite(factory), IClassFixture<DojoFactory>;

/// <summary>The same tests on PostgreSQL with artifacts in the database: the several-machines configuration.</summary>
public sealed class DatasetUploadPostgresTests(PostgresFactory factory) : DatasetUploadSuite(factory), IClassFixture<PostgresFactory>;
