using Dojo.Domain.Kinds.Dqn;

namespace Dojo.Domain.Tests;

public sealed class EnvironmentTests
{
    [Fact]
    public void Cart_pole_steps_follow_the_published_equations()
    {
        var env = new CartPole(seed: 1);
        env.Place(0, 0, 0, 0);
        env.Step(1); // a push right from rest: ẍ = 0.195122 / τ, θ̈ = −0.292683 / τ
        Assert.Equal(0.1951219512195122, env.State.XDot, 12);
        Assert.Equal(-0.2926829268292683, env.State.ThetaDot, 12);

        // Ten steps of a fixed action sequence, against values from a separate implementation of the same equations
        // (Gym's CartPole-v1 step written out in Python: tools/reference/cartpole_steps.py prints them).
        env.Place(0.01, -0.02, 0.03, 0.04);
        foreach (int action in new[] { 1, 1, 0, 1, 0, 0, 0, 1, 1, 1 }) Assert.False(env.Step(action).Done);
        Assert.Equal(0.0330752267376914, env.State.X, 12);
        Assert.Equal(0.36851991283108854, env.State.XDot, 12);
        Assert.Equal(0.0023459644800119892, env.State.Theta, 12);
        Assert.Equal(-0.5073689489865428, env.State.ThetaDot, 12);
    }

    [Fact]
    public void Cart_pole_fails_past_its_limits_pays_one_a_step_and_is_cut_at_500()
    {
        var env = new CartPole(seed: 3);
        var lengths = new List<int>();
        var random = new Random(3);
        for (int episode = 0; episode < 200; episode++)
        {
            var start = env.Reset();
            Assert.All(start, v => Assert.InRange(v, -0.05f, 0.05f));
            int steps = 0;
            double total = 0;
            Transition step;
            do
            {
                step = env.Step(random.Next(2));
                (steps, total) = (steps + 1, total + step.Reward);
            } while (!step.Done);
            Assert.True(step.Terminated);
            Assert.True(Math.Abs(env.State.X) > CartPole.XLimit || Math.Abs(env.State.Theta) > CartPole.ThetaLimit);
            Assert.Equal(steps, total);
            lengths.Add(steps);
        }
        Assert.InRange(lengths.Average(), 15, 35); // a random policy's known episode length is about 22

        // Balanced by hand (push towards where the pole leans): never fails, cut at 500.
        env.Reset();
        int held = 0;
        Transition t;
        do { t = env.Step(env.State.Theta + 0.1 * env.State.ThetaDot > 0 ? 1 : 0); held++; } while (!t.Done);
        Assert.True(t.Truncated && !t.Terminated);
        Assert.Equal(CartPole.MaxSteps, held);
    }

    [Fact]
    public void An_environment_saved_mid_episode_continues_exactly()
    {
        foreach (var (make, actions) in new (Func<IEnvironment>, int)[]
                 { (() => new CartPole(7), 2), (() => new GridWorld(["S...", ".#.P", "...G"], -0.01, 0.3, 50, 7), 4) })
        {
            var first = make();
            first.Reset();
            for (int i = 0; i < 5; i++) first.Step(i % actions);
            using var saved = new MemoryStream();
            using (var writer = new BinaryWriter(saved, System.Text.Encoding.UTF8, leaveOpen: true)) first.Save(writer);
            var second = make();
            second.Reset();
            saved.Position = 0;
            using (var reader = new BinaryReader(saved)) second.Load(reader);
            for (int i = 0; i < 40; i++)
            {
                var a = first.Step(i * 7 % actions);
                var b = second.Step(i * 7 % actions);
                Assert.Equal(a.Observation, b.Observation);
                Assert.Equal((a.Reward, a.Terminated, a.Truncated), (b.Reward, b.Terminated, b.Truncated));
                if (a.Done) { Assert.Equal(first.Reset(), second.Reset()); }
            }
        }
    }

    [Fact]
    public void A_grid_world_walks_its_map_and_knows_its_best_return()
    {
        var world = new GridWorld(["S.#G", "..#.", "P..."], stepPenalty: -0.01, slip: 0, maxSteps: 30, seed: 1);
        Assert.Equal((12, 4), (world.ObservationSize, world.Actions));
        Assert.Equal(1 + 7 * -0.01, world.OptimalReturn()!.Value, 12); // round the wall below it, past the pit: 7 steps
        world.Reset();
        Assert.Equal((0, 0), world.Position);
        Assert.Equal(-0.01, world.Step(0).Reward); // up, off the map: stays, pays the step
        Assert.Equal((0, 0), world.Position);
        world.Step(1);
        world.Step(1); // into the wall: stays
        Assert.Equal((0, 1), world.Position);
        world.Reset();
        world.Step(2);
        var pit = world.Step(2);
        Assert.True(pit.Terminated);
        Assert.Equal(-1.01, pit.Reward, 12);
        Assert.Equal(1f, pit.Observation[2 * 4 + 0]);

        // Slips: the same seed slips the same way; with slip 1 a move never goes where it was sent.
        var slippery = new GridWorld(["....", ".S..", "...G"], 0, slip: 1, maxSteps: 30, seed: 2);
        slippery.Reset();
        slippery.Step(0);
        Assert.NotEqual((0, 1), slippery.Position);
    }

    [Theory]
    [InlineData(new[] { "S..", ".#." }, "goal")]
    [InlineData(new[] { "S.G", "SG." }, "exactly one start")]
    [InlineData(new[] { "S.G", ".." }, "characters long")]
    [InlineData(new[] { "S.G", ".X." }, "'X' is not a cell")]
    public void A_bad_map_is_named(string[] map, string problem) => Assert.Contains(problem, GridWorld.Problem(map));
}
