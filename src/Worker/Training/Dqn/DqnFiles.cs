using System.Text.Json;
using Dojo.Domain.Specs;

namespace Dojo.Worker.Training.Dqn;

/// <summary>The files a DQN job keeps for people to look at (listed and served at <c>/api/jobs/{id}/files</c>).</summary>
public static class DqnFiles
{
    /// <summary>The last greedy evaluation episode: <c>{ "environment", "return", "steps": [{ "state", "action", "reward" }] }</c>.</summary>
    public const string Trace = "eval-trace.json";

    /// <summary>The cart-pole's last greedy evaluation episode drawn as a strip of frames.</summary>
    public const string CartPoleStrip = "eval-episode.png";

    /// <summary>A grid world's greedy action (arrow) and value (colour: max Q) in every cell.</summary>
    public const string Policy = "policy.png";

    public static byte[] TraceJson(string environment, EpisodeTrace trace) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        environment,
        @return = trace.Return,
        steps = trace.Steps.Select(s => new { state = s.State, action = s.Action, reward = s.Reward }),
    }, SpecJson.Options);
}
