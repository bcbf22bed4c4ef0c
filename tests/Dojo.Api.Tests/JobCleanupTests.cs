using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dojo.Api.Jobs;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.Extensions.DependencyInjection;
using static Dojo.Api.Tests.Infrastructure.CourseHelpers;

namespace Dojo.Api.Tests;

/// <summary>Deleting jobs one by one and cleaning up old ones: the points and files go, what other things rest on stays.</summary>
public abstract class JobCleanupSuite(DojoFactory factory)
{
    private readonly DojoClient _instructor = new(factory.CreateClient());

    private static System.Text.Json.Nodes.JsonObject ShortJob() => DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 3));

    [Fact]
    public async Task A_job_is_deleted_with_its_points_and_files_unless_something_rests_on_it_and_the_cleanup_counts_first()
    {
        var (student, _) = await factory.CreateStudentAsync("片付け 学生");
        var mine = new DojoClient(student);
        var files = factory.Services.GetRequiredService<JobFiles>();

        // The owner may not delete a job that still counts against their daily compute; an instructor may.
        var finished = await mine.WaitFinishedAsync((await mine.SubmitAsync(ShortJob())).Id);
        Assert.True(await files.SizeAsync(finished.Id, CancellationToken.None) > 0);
        var refused = await student.DeleteAsync($"/api/jobs/{finished.Id}");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("compute budget", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await _instructor.Http.DeleteAsync($"/api/jobs/{finished.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _instructor.Http.GetAsync($"/api/jobs/{finished.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _instructor.Http.GetAsync($"/api/jobs/{finished.Id}/metrics")).StatusCode);
        Assert.Equal(0, await files.SizeAsync(finished.Id, CancellationToken.None));

        // A running job must be cancelled first; a job handed in stays while its submission does.
        var running = await _instructor.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 20000), ("training.batchSize", 1)));
        var runningDelete = await _instructor.Http.DeleteAsync($"/api/jobs/{running.Id}");
        Assert.Equal(HttpStatusCode.Conflict, runningDelete.StatusCode);
        Assert.Contains("cancel it first", await runningDelete.Content.ReadAsStringAsync());
        await _instructor.Http.PostAsync($"/api/jobs/{running.Id}/cancel", null);
        await _instructor.WaitFinishedAsync(running.Id);

        var unit = await OkAsync(await _instructor.Http.PostAsJsonAsync($"/api/courses/{(await OkAsync(await _instructor.Http.PostAsJsonAsync("/api/courses", new { name = "提出" }), HttpStatusCode.Created))["id"]}/units",
            new { name = "学習" }), HttpStatusCode.Created);
        var exercise = await OkAsync(await _instructor.Http.PostAsJsonAsync($"/api/units/{unit["id"]}/exercises", new { number = 1, title = "学習ジョブ", kind = "trainingJob" }), HttpStatusCode.Created);
        var handedIn = await mine.WaitFinishedAsync((await mine.SubmitAsync(ShortJob())).Id);
        await OkAsync(await student.PostAsJsonAsync($"/api/exercises/{exercise["id"]}/submissions", new { jobId = handedIn.Id }), HttpStatusCode.Created);
        var handedInDelete = await _instructor.Http.DeleteAsync($"/api/jobs/{handedIn.Id}");
        Assert.Equal(HttpStatusCode.Conflict, handedInDelete.StatusCode);
        Assert.Contains("handed in", await handedInDelete.Content.ReadAsStringAsync());

        // The cleanup shows its counts first and deletes nothing; then deletes exactly those.
        var loose = await _instructor.WaitFinishedAsync((await _instructor.SubmitAsync(ShortJob())).Id);
        var preview = (await _instructor.Http.GetFromJsonAsync<RemovalDto>("/api/jobs/cleanup?olderThanDays=0", SpecJson.Options))!;
        Assert.True((2, 1, false) == (preview.Jobs, preview.KeptHandedIn, preview.Removed), $"{preview}"); // the cancelled job and the loose one
        Assert.True(preview.MetricPoints > 0 && preview.Bytes > 0, $"{preview}");
        Assert.Equal(HttpStatusCode.OK, (await _instructor.Http.GetAsync($"/api/jobs/{loose.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await student.GetAsync("/api/jobs/cleanup")).StatusCode);
        // Every job here ended within the day: a cleanup of jobs older than a day (or the default 90) takes none.
        Assert.Equal(0, (await _instructor.Http.GetFromJsonAsync<RemovalDto>("/api/jobs/cleanup?olderThanDays=1", SpecJson.Options))!.Jobs);
        Assert.Equal(0, (await _instructor.Http.GetFromJsonAsync<RemovalDto>("/api/jobs/cleanup", SpecJson.Options))!.Jobs);

        var done = (await OkAsync(await _instructor.Http.PostAsync("/api/jobs/cleanup?olderThanDays=0", null))).Deserialize<RemovalDto>(SpecJson.Options)!;
        Assert.Equal((preview.Jobs, preview.MetricPoints, true), (done.Jobs, done.MetricPoints, done.Removed));
        Assert.Equal(HttpStatusCode.NotFound, (await _instructor.Http.GetAsync($"/api/jobs/{loose.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _instructor.Http.GetAsync($"/api/jobs/{running.Id}")).StatusCode);
        Assert.Equal(JobState.Succeeded, (await _instructor.GetAsync(handedIn.Id)).State);
        Assert.Equal(0, (await _instructor.Http.GetFromJsonAsync<RemovalDto>("/api/jobs/cleanup?olderThanDays=0", SpecJson.Options))!.Jobs);
    }
}

/// <summary>The JobCleanup tests on SQLite with artifacts in the data directory (the defaults).</summary>
public sealed class JobCleanupTests(DojoFactory factory) : JobCleanupSuite(factory), IClassFixture<DojoFactory>;

/// <summary>The same tests on PostgreSQL with artifacts in the database: the several-machines configuration.</summary>
public sealed class JobCleanupPostgresTests(PostgresFactory factory) : JobCleanupSuite(factory), IClassFixture<PostgresFactory>;
