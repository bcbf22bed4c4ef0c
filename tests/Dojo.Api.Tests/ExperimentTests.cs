using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Experiments;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Gan;
using Dojo.Domain.Specs;
using Dojo.Protos.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using Xunit.Abstractions;

namespace Dojo.Api.Tests;

/// <summary>
/// The course's experiments (samples/experiments) through the real API, checked for the results the course
/// teaches. By default each runs a fast variant (fewer images and epochs, same seeds); DOJO_FULL_EXPERIMENTS=1
/// runs them as shipped.
/// </summary>
public sealed class ExperimentTests(DojoFactory factory, ITestOutputHelper output) : IClassFixture<DojoFactory>
{
    private static readonly bool Full = Environment.GetEnvironmentVariable("DOJO_FULL_EXPERIMENTS") == "1";
    private readonly HttpClient _http = factory.CreateClient();

    private static JsonObject Sample(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "samples", "experiments", name + ".json")))!.AsObject();

    /// <summary>Starts the experiment (fast unless DOJO_FULL_EXPERIMENTS=1) and waits until every run has ended.</summary>
    private Task<ExperimentDto> RunAsync(string name, int trainCount = 2000, int epochs = 3) => RunAsync(name, request =>
    {
        request["base"]!["dataset"]!["trainCount"] = trainCount;
        request["base"]!["dataset"]!["testCount"] = 500;
        request["base"]!["training"]!["epochs"] = epochs;
    });

    private async Task<ExperimentDto> RunAsync(string name, Action<JsonObject> fast, bool divergedIsAnAnswer = false, Action<JsonObject>? setUp = null)
    {
        var request = Sample(name);
        setUp?.Invoke(request);
        if (!Full) fast(request);
        var response = await _http.PostAsJsonAsync("/api/experiments", request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var experiment = System.Text.Json.JsonSerializer.Deserialize<ExperimentDto>(body, SpecJson.Options)!;
        var deadline = DateTime.UtcNow.AddMinutes(Full ? 60 : 3);
        while (!experiment.Runs.All(r => r.Job.State.IsTerminal()))
        {
            Assert.True(DateTime.UtcNow < deadline, "the experiment did not finish");
            await Task.Delay(200);
            experiment = (await _http.GetFromJsonAsync<ExperimentDto>($"/api/experiments/{experiment.Id}", SpecJson.Options))!;
        }
        Assert.All(experiment.Runs, r => Assert.True(r.Job.State == Domain.Jobs.JobState.Succeeded || (divergedIsAnAnswer && r.Job.State == Domain.Jobs.JobState.Diverged),
            $"{r.Label}: {r.Job.State} {r.Job.Reason}"));
        foreach (var run in experiment.Runs)
            output.WriteLine($"{run.Label}: {run.Job.State} {run.Job.Reason} {string.Join(", ", (run.Job.Result ?? new Dictionary<string, double>()).Where(m => !m.Key.StartsWith("samples")).Select(m => $"{m.Key}={m.Value:G3}"))}");
        return experiment;
    }

    private static double Result(ExperimentDto experiment, int run, string metric) => experiment.Runs[run].Job.Result![metric];

    [Fact]
    public async Task Small_normal_init_barely_learns_while_xavier_and_he_do()
    {
        var experiment = await RunAsync("weight-init", epochs: 6);
        double normal = Result(experiment, 0, MetricNames.Loss), xavier = Result(experiment, 1, MetricNames.Loss), he = Result(experiment, 2, MetricNames.Loss);
        Assert.True(normal > xavier + 0.3 && normal > he + 0.3, $"training loss: N(0, 0.01) {normal}, Xavier {xavier}, He {he}");
    }

    [Fact]
    public async Task Adam_rmsprop_and_momentum_beat_plain_sgd()
    {
        var experiment = await RunAsync("optimizers");
        double sgd = Result(experiment, 0, MetricNames.Loss);
        foreach (int better in new[] { 1, 3, 4 }) // momentum, rmsprop, adam
            Assert.True(Result(experiment, better, MetricNames.Loss) < sgd, $"{experiment.Runs[better].Label}: {Result(experiment, better, MetricNames.Loss)} vs sgd {sgd}");
    }

    [Fact]
    public async Task Batch_normalisation_learns_where_the_plain_net_stalls()
    {
        var experiment = await RunAsync("batch-norm");
        Assert.True(Result(experiment, 1, MetricNames.Loss) < Result(experiment, 0, MetricNames.Loss) - 0.3,
            $"with {Result(experiment, 1, MetricNames.Loss)} vs without {Result(experiment, 0, MetricNames.Loss)}");
    }

    [Fact]
    public async Task Dropout_narrows_the_train_test_gap_on_a_small_training_set()
    {
        // As shipped (seconds): the figure plots accuracy,val_accuracy, the training accuracy as it trains beside the
        // validation accuracy; without dropout the first reaches 1.0 and leaves the second behind.
        var experiment = await RunAsync("dropout", _ => { });
        double Gap(int run) => Result(experiment, run, MetricNames.Accuracy) - Result(experiment, run, MetricNames.ValAccuracy);
        output.WriteLine($"last epoch's accuracy − val_accuracy: without {Gap(0):F3}, with dropout {Gap(1):F3}; " +
            $"eval-mode train − test accuracy: without {Result(experiment, 0, MetricNames.TrainAccuracy) - Result(experiment, 0, MetricNames.TestAccuracy):F3}, " +
            $"with {Result(experiment, 1, MetricNames.TrainAccuracy) - Result(experiment, 1, MetricNames.TestAccuracy):F3}");
        Assert.True(Gap(0) - Gap(1) > 0.05, $"gap with dropout {Gap(1):F3} vs without {Gap(0):F3}; expected it narrower by more than 0.05");
        var figure = await _http.GetAsync($"/api/experiments/{experiment.Id}/plots/accuracy,val_accuracy.png");
        Assert.Equal("image/png", figure.Content.Headers.ContentType!.MediaType);
        Artifacts.Save("experiment-dropout.png", await figure.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Frozen_convolutions_from_other_digits_give_a_head_start_at_every_small_training_set_size()
    {
        // Step 1, as a student runs it: the convolutions learn digits 0-4; the experiment then names that job.
        var client = new DojoClient(_http);
        var pretrained = await client.WaitFinishedAsync((await client.SubmitAsync(DojoClient.Sample("transfer-pretrain-0to4"))).Id, TimeSpan.FromMinutes(5));
        Assert.Equal(Domain.Jobs.JobState.Succeeded, pretrained.State);
        var experiment = await RunAsync("transfer", _ => { }, setUp: request =>
        {
            foreach (var transfer in request["vary"]!["network.transfer"]!.AsArray().OfType<JsonObject>()) transfer["fromJob"] = pretrained.Id.ToString();
        });
        // Each size and epoch budget, from scratch and with the frozen convolutions: the transferred network is ahead after
        // its first epoch at every size; trained longer, the network from scratch catches up (the README gives the figures).
        double Accuracy(int size, int epochs, bool transfer) => experiment.Runs.Single(r => r.Job.Supervised() is var spec
            && ((ImageDatasetSpec)spec.Dataset).TrainCount == size && spec.Training.Epochs == epochs && (spec.Network.Transfer is not null) == transfer)
            .Job.Result![MetricNames.TestAccuracy];
        foreach (int size in new[] { 50, 100, 300 })
        {
            output.WriteLine($"{size} images: test accuracy after 1 epoch scratch {Accuracy(size, 1, false):F3}, transfer {Accuracy(size, 1, true):F3}; " +
                $"after 20 epochs scratch {Accuracy(size, 20, false):F3}, transfer {Accuracy(size, 20, true):F3}");
            Assert.True(Accuracy(size, 1, true) > Accuracy(size, 1, false) + 0.03, $"{size} images, 1 epoch: transfer {Accuracy(size, 1, true)}, scratch {Accuracy(size, 1, false)}");
        }
    }

    [Fact]
    public async Task Too_small_a_learning_rate_learns_slowly_and_too_large_a_one_diverges()
    {
        // As shipped (seconds): SGD at 0.001, 0.01, 0.1, 0.3 and 1 on a regression; the last diverges in its first epoch.
        var experiment = await RunAsync("learning-rates", _ => { }, divergedIsAnAnswer: true);
        Assert.Equal(Domain.Jobs.JobState.Diverged, experiment.Runs[^1].Job.State);
        Assert.Contains("loss became", experiment.Runs[^1].Job.Reason);
        Assert.All(experiment.Runs.SkipLast(1), r => Assert.Equal(Domain.Jobs.JobState.Succeeded, r.Job.State));
        double slow = Result(experiment, 0, MetricNames.TestLoss), best = experiment.Runs.SkipLast(1).Min(r => r.Job.Result![MetricNames.TestLoss]);
        Assert.True(slow > 1.5 * best, $"test loss at the smallest rate {slow} vs the best {best}");
        var figure = await _http.GetAsync($"/api/experiments/{experiment.Id}/plots/loss.png");
        Artifacts.Save("experiment-learning-rates.png", await figure.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Sigmoid_gradients_vanish_towards_the_first_layer_and_relu_gradients_do_not()
    {
        var experiment = await RunAsync("vanishing-gradients", epochs: 1);
        var dense = experiment.Runs[0].Job.Supervised().Network.Layers.Select((layer, i) => (layer, i)).Where(x => x.layer is DenseLayer).Select(x => x.i).ToList();
        double Ratio(int run) => Result(experiment, run, $"grad_norm.layers[{dense[0]}]") / Result(experiment, run, $"grad_norm.layers[{dense[^1]}]");
        output.WriteLine($"first/last layer gradient norm: sigmoid {Ratio(0):G3}, relu {Ratio(1):G3}");
        Assert.True(Ratio(0) < 1e-2, $"sigmoid first/last {Ratio(0)}");
        Assert.True(Ratio(1) > 1e-1, $"relu first/last {Ratio(1)}");
    }

    [Fact]
    public async Task Gated_cells_recall_the_first_of_a_hundred_steps_where_a_plain_rnn_stays_at_chance()
    {
        var experiment = await RunAsync("rnn-vs-lstm", request =>
        {
            request["base"]!["dataset"]!["samples"] = 1500;
            request["base"]!["training"]!["epochs"] = 6;
        });
        double rnn = Result(experiment, 0, MetricNames.TestAccuracy), lstm = Result(experiment, 2, MetricNames.TestAccuracy), gru = Result(experiment, 3, MetricNames.TestAccuracy);
        output.WriteLine($"test accuracy (chance 0.25): rnn {rnn:F3}, lstm as PyTorch starts it {Result(experiment, 1, MetricNames.TestAccuracy):F3}, " +
            $"lstm with forgetBias {lstm:F3}, gru with forgetBias {gru:F3}");
        Assert.True(rnn < 0.35, $"the plain rnn reached {rnn}; chance is 0.25");
        Assert.True(lstm > 0.9 && gru > 0.9, $"lstm {lstm}, gru {gru}");
    }

    [Fact]
    public async Task Against_a_strong_discriminator_the_minimax_generator_loss_stalls_and_the_non_saturating_one_learns()
    {
        var experiment = await RunAsync("gan-losses", _ => { });
        var curves = (await _http.GetFromJsonAsync<CurvesDto>($"/api/experiments/{experiment.Id}/curves?metric=modes_covered", SpecJson.Options))!;
        foreach (var run in curves.Runs) output.WriteLine($"{run.Label}: modes covered by epoch {string.Join(" ", run.Values)}");
        double Modes(int run) => Result(experiment, run, GanMetrics.ModesCovered);
        // Runs: non-saturating with 1 and 5 discriminator steps, then minimax with 1 and 5.
        Assert.True(Modes(0) >= 6, $"non-saturating, 1 step: {Modes(0)} modes");
        // Against a discriminator five steps ahead, D(G(z)) sinks towards 0, where log(1 − D(G(z))) has no slope left:
        // the minimax generator covers nothing, the non-saturating one still learns.
        Assert.True(Modes(3) <= 1 && Modes(1) >= Modes(3) + 3, $"5 steps: non-saturating {Modes(1)} modes, minimax {Modes(3)}");
        Assert.True(Result(experiment, 3, GanMetrics.DFake) < Result(experiment, 1, GanMetrics.DFake), "the minimax run's fakes should be the more confidently rejected");
    }

    /// <summary>
    /// The cart-pole DQN with each stabilising technique removed in turn, over three seeds (fast: one seed, 15,000 of the
    /// 100,000 steps), keeping the last network rather than the best: how well each learns is the mean of its greedy
    /// evaluations over the whole run (the area under its learning curve), and how it ends is the last network's mean
    /// greedy return over 100 episodes. Saves the figure of greedy returns beside the test's output.
    /// </summary>
    [Fact]
    public async Task Without_replay_or_a_target_network_dqn_balances_the_cart_pole_markedly_worse()
    {
        var experiment = await RunAsync("dqn-ablation", request =>
        {
            request["base"]!["training"]!["steps"] = 15000;
            request["vary"]!["training.seed"] = new JsonArray(1);
        });
        int seeds = experiment.Runs.Count / 5;
        // A varied object is labelled by what it changes in the base request.
        Assert.Equal(["techniques=as base, training.seed=1", "techniques={\"replay\":false}, training.seed=1"], experiment.Runs.Where((_, i) => i % seeds == 0).Take(2).Select(r => r.Label));
        var curves = (await _http.GetFromJsonAsync<CurvesDto>($"/api/experiments/{experiment.Id}/curves?metric={Domain.Kinds.Dqn.DqnMetrics.EvalReturn}", SpecJson.Options))!;
        // Runs: techniques-major (all on, no replay, no target network, no reward clipping, MSE), the seed turning fastest.
        string[] names = ["all four", "no replay", "no target network", "no reward clipping", "MSE, not Huber"];
        double[][] Per(Func<int, double> figure) => names.Select((_, t) => Enumerable.Range(0, seeds).Select(s => figure(t * seeds + s)).ToArray()).ToArray();
        var learning = Per(run => curves.Runs[run].Values.OfType<double>().Average());
        var last = Per(run => Result(experiment, run, Domain.Kinds.Dqn.DqnMetrics.FinalReturn));
        static double Median(double[] values) => values.Order().ElementAt(values.Length / 2);
        static string Row(double[] values) => $"{string.Join(" ", values.Select(v => v.ToString("F1").PadLeft(6)))}  (median {Median(values),5:F1})";
        output.WriteLine($"{"",-20} {"mean greedy return over the run, by seed",-44} {"last network, 100 greedy episodes"}");
        for (int t = 0; t < names.Length; t++) output.WriteLine($"{names[t],-20} {Row(learning[t]),-44} {Row(last[t])}");
        var figure = await _http.GetByteArrayAsync($"/api/experiments/{experiment.Id}/curves.png?metric={Domain.Kinds.Dqn.DqnMetrics.EvalReturn}&x={Domain.Kinds.Dqn.DqnMetrics.EnvironmentSteps}");
        File.WriteAllBytes(Path.Combine(AppContext.BaseDirectory, "dqn-ablation.png"), figure);
        Assert.Equal(figure, await _http.GetByteArrayAsync($"/api/experiments/{experiment.Id}/plots/{Domain.Kinds.Dqn.DqnMetrics.EvalReturn}.png?x={Domain.Kinds.Dqn.DqnMetrics.EnvironmentSteps}"));

        if (Full)
            foreach (int removed in new[] { 1, 2 })
                Assert.True(Median(learning[removed]) < 0.75 * Median(learning[0]),
                    $"{names[removed]}: mean greedy return over the run {Median(learning[removed]):F1}, with all four {Median(learning[0]):F1}");
        else Assert.True(learning[0][0] > 5 * curves.Runs[0].Values.OfType<double>().First(), $"with all four techniques, 15,000 steps: {learning[0][0]:F1}");
    }

    [Fact]
    public async Task A_grid_makes_one_labelled_run_per_combination_with_aligned_curves_and_a_grpc_stream_of_all()
    {
        var request = new JsonObject
        {
            ["name"] = "grid",
            ["base"] = DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 4)),
            ["vary"] = new JsonObject { ["optimizer.learningRate"] = new JsonArray(0.03, 0.1), ["training.batchSize"] = new JsonArray(5, "full") },
        };
        var response = await _http.PostAsJsonAsync("/api/experiments", request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var experiment = (await response.Content.ReadFromJsonAsync<ExperimentDto>(SpecJson.Options))!;
        Assert.Equal(["optimizer.learningRate=0.03, training.batchSize=5", "optimizer.learningRate=0.03, training.batchSize=full",
            "optimizer.learningRate=0.1, training.batchSize=5", "optimizer.learningRate=0.1, training.batchSize=full"], experiment.Runs.Select(r => r.Label));
        Assert.All(experiment.Runs, r => Assert.True(r.Job.InGroup));

        var watch = new Protos.V1.Experiments.ExperimentsClient(factory.CreateGrpcChannel());
        var seqs = new Dictionary<int, List<long>>();
        var finals = new Dictionary<int, JobStateChanged>();
        using (var call = watch.WatchExperiment(new WatchExperimentRequest { ExperimentId = experiment.Id.ToString() }))
        {
            await foreach (var e in call.ResponseStream.ReadAllAsync())
            {
                if (e.Event.EventCase == JobEvent.EventOneofCase.Metric) (seqs.TryGetValue(e.RunIndex, out var list) ? list : seqs[e.RunIndex] = []).Add(e.Event.Metric.Seq);
                else finals[e.RunIndex] = e.Event.State;
            }
        }
        Assert.Equal([0, 1, 2, 3], finals.Keys.Order());
        foreach (var (run, final) in finals)
        {
            Assert.Equal(Protos.V1.JobState.Succeeded, final.State);
            Assert.Equal(Enumerable.Range(1, (int)final.NextSeq - 1).Select(i => (long)i), seqs[run]);
        }

        var curves = (await _http.GetFromJsonAsync<CurvesDto>($"/api/experiments/{experiment.Id}/curves?metric=loss", SpecJson.Options))!;
        Assert.Equal([1, 2, 3, 4], curves.Epochs);
        Assert.All(curves.Runs, c => Assert.Equal(4, c.Values.Count(v => v is not null)));
    }

    [Fact]
    public async Task A_grid_with_a_bad_run_is_refused_whole_naming_the_run_and_queues_nothing()
    {
        var before = (await _http.GetFromJsonAsync<JsonObject>("/api/jobs"))!["total"]!.GetValue<int>();
        var request = new JsonObject
        {
            ["name"] = "bad",
            ["base"] = DojoClient.Sample("xor"),
            ["vary"] = new JsonObject { ["optimizer.learningRate"] = new JsonArray(0.03, -1) },
        };
        var response = await _http.PostAsJsonAsync("/api/experiments", request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        Assert.Contains("runs[1] (optimizer.learningRate=-1).optimizer.learningRate", problem.Errors.Keys);
        Assert.Equal(before, (await _http.GetFromJsonAsync<JsonObject>("/api/jobs"))!["total"]!.GetValue<int>());

        request["vary"] = new JsonObject { ["optimizer.learningRate"] = new JsonArray(Enumerable.Range(1, 40).Select(i => (JsonNode)(i / 100.0)).ToArray()) };
        Assert.Contains("limit is 32", Assert.Single((await (await _http.PostAsJsonAsync("/api/experiments", request)).Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors["vary"]));
    }
}

/// <summary>A Dojo whose students may have only 3 runs of gradings and experiments at once.</summary>
public sealed class GroupLimitedDojoFactory : DojoFactory
{
    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Dojo:Limits:MaxActiveGroupJobsPerStudent", "3");
    }
}

public sealed class ExperimentLimitTests(GroupLimitedDojoFactory factory) : IClassFixture<GroupLimitedDojoFactory>
{
    [Fact]
    public async Task A_student_may_not_start_more_group_runs_at_once_than_the_limit()
    {
        var (student, _) = await factory.CreateStudentAsync("実験 好き");
        JsonObject Experiment(int runs) => new()
        {
            ["name"] = $"{runs} runs",
            ["base"] = DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 2)),
            ["vary"] = new JsonObject { ["training.seed"] = new JsonArray(Enumerable.Range(1, runs).Select(i => (JsonNode)i).ToArray()) },
        };
        var tooMany = await student.PostAsJsonAsync("/api/experiments", Experiment(4));
        Assert.Equal(HttpStatusCode.TooManyRequests, tooMany.StatusCode);
        Assert.Contains("MaxActiveGroupJobsPerStudent", (await tooMany.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        Assert.Equal(0, (await student.GetFromJsonAsync<JsonObject>("/api/jobs"))!["total"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Created, (await student.PostAsJsonAsync("/api/experiments", Experiment(3))).StatusCode);
    }
}
