using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dojo.Api.People;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Domain.People;
using Dojo.Domain.Specs;
using Dojo.Protos.V1;
using Dojo.Storage;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dojo.Api.Tests;

/// <summary>Tokens, roles and ownership over REST and gRPC, against the real API and its SQLite file.</summary>
public sealed class AccessTests(DojoFactory factory) : IClassFixture<DojoFactory>
{
    private static JsonObject ShortJob(int epochs = 3) => DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", epochs));

    [Theory]
    [InlineData(null)]
    [InlineData("dojo_not-a-token-anyone-was-given")]
    public async Task Without_a_valid_token_every_api_answers_401_but_health_and_docs_answer(string? token)
    {
        var anonymous = factory.CreateClient(token);
        foreach (var path in new[] { "/api/jobs", "/api/courses", "/api/me", "/api/users" })
        {
            var response = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/jobs", ShortJob())).StatusCode);
        Assert.True((await anonymous.GetAsync("/health/live")).IsSuccessStatusCode);
        Assert.True((await anonymous.GetAsync("/openapi/v1.json")).IsSuccessStatusCode);

        var grpc = new Protos.V1.Jobs.JobsClient(factory.CreateGrpcChannel(token));
        var error = await Assert.ThrowsAsync<RpcException>(async () => await grpc.GetJobAsync(new GetJobRequest { JobId = Guid.NewGuid().ToString() }));
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task A_student_sees_only_their_own_jobs_over_rest_and_grpc()
    {
        var (alice, _) = await factory.CreateStudentAsync("有村 アリス");
        var (bob, bobIssued) = await factory.CreateStudentAsync("Bob");
        var job = await new DojoClient(alice).SubmitAsync(ShortJob());
        await new DojoClient(alice).WaitFinishedAsync(job.Id);

        foreach (var path in new[] { $"/api/jobs/{job.Id}", $"/api/jobs/{job.Id}/metrics", $"/api/jobs/{job.Id}/model" })
            Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync($"/api/jobs/{job.Id}/cancel", null)).StatusCode);
        var bobsList = (await bob.GetFromJsonAsync<JsonObject>("/api/jobs"))!;
        Assert.Equal(0, bobsList["total"]!.GetValue<int>());
        Assert.True((await alice.GetAsync($"/api/jobs/{job.Id}/model")).IsSuccessStatusCode);
        Assert.True((await factory.CreateClient().GetAsync($"/api/jobs/{job.Id}")).IsSuccessStatusCode); // the instructor

        var asBob = new Protos.V1.Jobs.JobsClient(factory.CreateGrpcChannel(bobIssued.Secret));
        var hidden = await Assert.ThrowsAsync<RpcException>(async () => await asBob.GetJobAsync(new GetJobRequest { JobId = job.Id.ToString() }));
        Assert.Equal(StatusCode.NotFound, hidden.StatusCode);
        using var watch = asBob.WatchJob(new WatchJobRequest { JobId = job.Id.ToString(), FromSeq = 1 });
        var watchError = await Assert.ThrowsAsync<RpcException>(async () => await watch.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.NotFound, watchError.StatusCode);
    }

    [Fact]
    public async Task A_revoked_token_stops_working_at_once_over_rest_and_grpc()
    {
        var (student, issued) = await factory.CreateStudentAsync("取消 太郎");
        var grpc = new Protos.V1.Jobs.JobsClient(factory.CreateGrpcChannel(issued.Secret));
        var job = await new DojoClient(student).SubmitAsync(ShortJob());
        Assert.Equal(job.Id.ToString(), (await grpc.GetJobAsync(new GetJobRequest { JobId = job.Id.ToString() })).Id);

        var revoked = await student.PostAsync($"/api/tokens/{issued.Token.Id}/revoke", null); // a student may revoke their own
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await student.GetAsync("/api/me")).StatusCode);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await grpc.GetJobAsync(new GetJobRequest { JobId = job.Id.ToString() }));
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        var tokens = (await factory.CreateClient().GetFromJsonAsync<List<TokenDto>>($"/api/users/{issued.User.Id}/tokens", SpecJson.Options))!;
        Assert.NotNull(Assert.Single(tokens).RevokedAt);
    }

    [Fact]
    public async Task Students_may_not_create_courses_exercises_or_users()
    {
        var (student, issued) = await factory.CreateStudentAsync("学生 花子");
        var courses = (await student.GetFromJsonAsync<JsonArray>("/api/courses"))!; // reading is fine
        var unitId = courses[0]!["units"]![0]!["id"]!.GetValue<Guid>();

        var attempts = new[]
        {
            await student.PostAsJsonAsync("/api/courses", new { name = "私の科目" }),
            await student.PostAsJsonAsync($"/api/units/{unitId}/exercises", new { number = 9, title = "x", kind = "reportFile", allowedFileKinds = new[] { "pdf" } }),
            await student.PostAsJsonAsync("/api/users", new { name = "友達", role = "instructor" }),
            await student.PostAsync("/api/users/roster", new StringContent("number,name\n1,a\n", Encoding.UTF8, "text/csv")),
        };
        Assert.All(attempts, response => Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode));
        // Nor may they make tokens for someone else (it looks as if there were no such user).
        var instructor = (await factory.CreateClient().GetFromJsonAsync<UserDto>("/api/me", SpecJson.Options))!;
        Assert.Equal(HttpStatusCode.NotFound, (await student.PostAsJsonAsync($"/api/users/{instructor.Id}/tokens", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await student.PostAsJsonAsync($"/api/users/{issued.User.Id}/tokens", new { label = "laptop" })).StatusCode);
    }

    [Fact]
    public async Task Tokens_are_stored_only_as_hashes_and_shown_once()
    {
        var (_, issued) = await factory.CreateStudentAsync("ハッシュ 確認");
        Assert.StartsWith(ApiToken.Prefix, issued.Secret);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DojoDb>>().CreateDbContextAsync();
        var stored = await db.ApiTokens.AsNoTracking().SingleAsync(t => t.UserId == issued.User.Id);
        Assert.Equal(ApiToken.HashOf(issued.Secret), stored.Hash);
        // Nowhere in the data directory — database, its write-ahead log, Hangfire's, job files — before and after the log is folded in.
        AssertNowhereInTheDataDirectory(issued.Secret);
        await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);");
        AssertNowhereInTheDataDirectory(issued.Secret);

        string listed = await factory.CreateClient().GetStringAsync($"/api/users/{issued.User.Id}/tokens");
        Assert.DoesNotContain(issued.Secret, listed);
        // The hint tells tokens apart without a character of the secret: it comes from the token's id.
        Assert.DoesNotContain(issued.Secret[ApiToken.Prefix.Length..(ApiToken.Prefix.Length + 4)], stored.Hint);
        Assert.Equal(issued.Token.Hint, stored.Hint);
        Assert.EndsWith(stored.Id.ToString("N")[^6..], stored.Hint);
        Assert.Contains(stored.Hint, listed);
    }

    private void AssertNowhereInTheDataDirectory(string secret)
    {
        // All but the lock that keeps a second Hangfire server off (held exclusively; it holds the host name and pid).
        var files = Directory.EnumerateFiles(factory.DataDirectory, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".server.lock", StringComparison.Ordinal)).ToList();
        Assert.Contains(files, f => f.EndsWith("dojo.db-wal", StringComparison.Ordinal));
        foreach (var file in files)
        {
            // Another test's job may finish meanwhile: a file written aside (model.pt.tmp) is renamed between listing and reading.
            if (!File.Exists(file)) continue;
            FileStream stream;
            try { stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete); }
            catch (FileNotFoundException) { continue; }
            using var _ = stream;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            foreach (var encoding in new Encoding[] { Encoding.UTF8, Encoding.Unicode })
                Assert.True(bytes.AsSpan().IndexOf(encoding.GetBytes(secret[ApiToken.Prefix.Length..])) < 0, $"{file} holds the token in {encoding.WebName}");
        }
    }

    [Fact]
    public async Task Saved_specs_are_their_owners_until_an_instructor_publishes_one()
    {
        var (alice, _) = await factory.CreateStudentAsync("保存 A");
        var (bob, _) = await factory.CreateStudentAsync("保存 B");
        var network = DojoClient.Sample("xor")["network"]!;
        var saved = await alice.PostAsJsonAsync("/api/networks", new JsonObject { ["name"] = "alice's answer", ["spec"] = network.DeepClone() });
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        var id = (await saved.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();

        // Bob can neither list, read nor use it; Alice and the instructor can.
        Assert.DoesNotContain((await bob.GetFromJsonAsync<JsonArray>("/api/networks"))!, n => n!["id"]!.GetValue<Guid>() == id);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/networks/{id}")).StatusCode);
        var borrowing = DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 1));
        borrowing.Remove("network");
        borrowing["networkId"] = id.ToString();
        var refused = await bob.PostAsJsonAsync("/api/jobs", borrowing);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("networkId", (await refused.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/api/networks/{id}")).StatusCode);
        Assert.Contains((await factory.CreateClient().GetFromJsonAsync<JsonArray>("/api/networks"))!, n => n!["id"]!.GetValue<Guid>() == id);

        // A student may not publish; an instructor's published spec is everyone's.
        var studentPublish = await alice.PostAsJsonAsync("/api/networks", new JsonObject { ["name"] = "for all", ["spec"] = network.DeepClone(), ["published"] = true });
        Assert.Equal(HttpStatusCode.Forbidden, studentPublish.StatusCode);
        var published = await factory.CreateClient().PostAsJsonAsync("/api/networks", new JsonObject { ["name"] = "course network", ["spec"] = network.DeepClone(), ["published"] = true });
        var publishedId = (await published.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
        borrowing["networkId"] = publishedId.ToString();
        Assert.Equal(HttpStatusCode.Created, (await bob.PostAsJsonAsync("/api/jobs", borrowing)).StatusCode);
    }

    [Fact]
    public async Task Users_created_at_once_with_one_number_are_stored_once_and_the_others_answer_409()
    {
        var http = factory.CreateClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            http.PostAsJsonAsync("/api/users", new { name = $"同時 {i}", role = "student", number = "RACE-01" })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DojoDb>>().CreateDbContextAsync();
        Assert.Equal(1, await db.Users.CountAsync(u => u.Number == "RACE-01"));
    }

    [Fact]
    public async Task One_extension_granted_at_once_is_stored_once_and_no_answer_is_a_500()
    {
        var instructor = factory.CreateClient();
        var (_, issued) = await factory.CreateStudentAsync("延長 同時", "RACE-02");
        var exercise = await CourseHelpers.SeededExerciseAsync(instructor, 2);
        var until = DateTime.UtcNow.AddDays(3);
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            instructor.PutAsJsonAsync($"/api/exercises/{exercise}/extensions/{issued.User.Id}", new { until = until.AddMinutes(i) })));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{(int)r.StatusCode}"));
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DojoDb>>().CreateDbContextAsync();
        Assert.Equal(1, await db.Extensions.CountAsync(e => e.ExerciseId == exercise && e.StudentId == issued.User.Id));
    }

    [Fact]
    public async Task A_student_has_a_limit_on_concurrent_jobs_and_instructors_do_not()
    {
        var (student, _) = await factory.CreateStudentAsync("上限 確認");
        var client = new DojoClient(student);
        var running = new[] { await client.SubmitAsync(ShortJob(5000)), await client.SubmitAsync(ShortJob(5000)) };

        var third = await student.PostAsJsonAsync("/api/jobs", ShortJob());
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        var problem = (await third.Content.ReadFromJsonAsync<ProblemDetails>())!;
        Assert.Contains("MaxActiveJobsPerStudent", problem.Detail);

        foreach (var job in running) await student.PostAsync($"/api/jobs/{job.Id}/cancel", null);
        foreach (var job in running) await client.WaitFinishedAsync(job.Id);
        var accepted = await client.SubmitAsync(ShortJob()); // the cancelled jobs no longer count
        await client.WaitFinishedAsync(accepted.Id);

        // An instructor has three long jobs active at once, past a student's limit of two.
        var instructor = new DojoClient(factory.CreateClient());
        var many = new List<Guid>();
        for (int i = 0; i < 3; i++) many.Add((await instructor.SubmitAsync(ShortJob(5000))).Id);
        foreach (var id in many) Assert.False((await instructor.GetAsync(id)).State.IsTerminal(), "an instructor's job ended before the third was accepted");
        foreach (var id in many) await factory.CreateClient().PostAsync($"/api/jobs/{id}/cancel", null);
        foreach (var id in many) await instructor.WaitFinishedAsync(id);
    }

    [Fact]
    public async Task A_roster_csv_with_japanese_names_adds_students_with_working_tokens()
    {
        byte[] csv = [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes("学籍番号,氏名\r\nR001,山田太郎\r\nR002,\"佐藤, 花子\"\r\n,\r\n")];
        var response = await factory.CreateClient().PostAsync("/api/users/roster", new ByteArrayContent(csv) { Headers = { { "Content-Type", "text/csv; charset=utf-8" } } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var issued = (await response.Content.ReadFromJsonAsync<List<IssuedTokenDto>>(SpecJson.Options))!;
        Assert.Equal(["山田太郎", "佐藤, 花子"], issued.Select(i => i.User.Name));
        Assert.Equal(["R001", "R002"], issued.Select(i => i.User.Number));

        var me = (await factory.CreateClient(issued[0].Secret).GetFromJsonAsync<UserDto>("/api/me", SpecJson.Options))!;
        Assert.Equal(("山田太郎", Role.Student), (me.Name, me.Role));
    }

    /// <summary>An instructor hands the tokens out: the import can answer them as a CSV a spreadsheet opens (UTF-8 with BOM).</summary>
    [Fact]
    public async Task A_roster_answers_its_tokens_as_a_csv_to_hand_out()
    {
        byte[] roster = Encoding.UTF8.GetBytes("学籍番号,氏名\r\nC001,鈴木一郎\r\nC002,\"高橋, 次郎\"\r\n");
        var response = await factory.CreateClient().PostAsync("/api/users/roster?format=csv", new ByteArrayContent(roster) { Headers = { { "Content-Type", "text/csv; charset=utf-8" } } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(Encoding.UTF8.GetPreamble(), body[..3]);
        using var reader = new CsvHelper.CsvReader(new StringReader(Encoding.UTF8.GetString(body[3..])), System.Globalization.CultureInfo.InvariantCulture);
        var rows = reader.GetRecords<dynamic>().Select(r => (IDictionary<string, object>)r).Select(r => (Number: (string)r["number"], Name: (string)r["name"], Token: (string)r["token"])).ToList();
        Assert.Equal([("C001", "鈴木一郎"), ("C002", "高橋, 次郎")], rows.Select(r => (r.Number, r.Name)));
        foreach (var (_, name, token) in rows)
            Assert.Equal(name, (await factory.CreateClient(token).GetFromJsonAsync<UserDto>("/api/me", SpecJson.Options))!.Name);

        var wrong = await factory.CreateClient().PostAsync("/api/users/roster?format=xlsx", new ByteArrayContent(roster) { Headers = { { "Content-Type", "text/csv" } } });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("format", (await wrong.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ValidationProblemDetails>())!.Errors.Keys);
    }

    [Fact]
    public async Task A_roster_with_a_bad_line_adds_nobody_and_names_the_line()
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DojoDb>>().CreateDbContextAsync();
        int before = await db.Users.CountAsync();
        const string csv = "number,name\nX001,鈴木一郎\nX002,\nX001,重複\n";
        var response = await factory.CreateClient().PostAsync("/api/users/roster", new StringContent(csv, Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        Assert.Contains("roster[line 3].name", problem.Errors.Keys);
        Assert.Contains("also on line 2", Assert.Single(problem.Errors["roster[line 4].number"]));
        Assert.Equal(before, await db.Users.CountAsync());
    }

    [Fact]
    public async Task A_roster_also_comes_as_a_multipart_file_upload()
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes("氏名,番号\n高橋 次郎,M900\n")), "file", "名簿.csv" } };
        var response = await factory.CreateClient().PostAsync("/api/users/roster", form);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var issued = Assert.Single((await response.Content.ReadFromJsonAsync<List<IssuedTokenDto>>(SpecJson.Options))!);
        Assert.Equal(("高橋 次郎", "M900"), (issued.User.Name, issued.User.Number));
    }
}
