using Dojo.Domain.Exercises;
using Dojo.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Api.Exercises;

/// <summary>On the first start (no course yet), creates the course AI概論, its unit 深層学習 and the unit's two exercises.</summary>
public sealed class CourseSeeder(IDbContextFactory<DojoDb> contexts, TimeProvider clock, Microsoft.Extensions.Options.IOptions<CoursesOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.Courses.AnyAsync(ct)) return;
        var now = clock.GetUtcNow().UtcDateTime;
        var course = Course.Create("AI概論", now, options.Value.TimeZone);
        var unit = course.AddUnit("深層学習", now);
        unit.AddExercise(new ExerciseDefinition
        {
            Number = 1,
            Title = "演習①: TensorFlow Playground で XOR と螺旋を分類する",
            Kind = ExerciseKind.PlaygroundUrl,
            Description =
                "DeepInsider 版 TensorFlow Playground (https://deepinsider.github.io/playground/) で、XOR データと螺旋 (spiral) " +
                "データをうまく分類できるネットワークの設定を見つけ、その状態の URL を提出してください。データセットごとに URL を一つずつ" +
                "提出します。Dojo は各 URL を演習の学習回数だけ複数のシードで学習し、テストデータの正解率で採点します。\n" +
                "Find network settings in the DeepInsider TensorFlow Playground that classify the XOR and the spiral data well, " +
                "and hand in the playground URL for each. Dojo trains each URL for the exercise's epoch budget with several seeds " +
                "and grades it by test accuracy (XOR ≥ 0.95, spiral ≥ 0.90).",
            PlaygroundRule = PlaygroundGradingRule.Exercise1,
        }, now);
        unit.AddExercise(new ExerciseDefinition
        {
            Number = 2,
            Title = "演習②: CNN と RNN の応用事例を調べる",
            Kind = ExerciseKind.ReportFile,
            Description =
                "CNN と RNN の応用事例をそれぞれ調べ、次の項目をまとめて一つのファイルで提出してください: 何を実現しているか、" +
                "ネットワークの名前、ネットワーク図、入力データと出力データ、概要 (各層のノード数、層の数、活性化関数、損失関数)、" +
                "特徴、その他。ファイル名は「深層学習②_<氏名>.<拡張子>」とし、科目 AI概論 › 単元 深層学習 › 演習② の提出フォルダへ提出します。\n" +
                "A written case study of one CNN and one RNN application — for each: what it achieves, the network's name, a " +
                "network diagram, input and output data, an overview (nodes per layer, layers, activations, loss), its " +
                "characteristics, other notes — handed in as one file named 深層学習②_<name>.<ext>.",
            AllowedFileKinds = Enum.GetValues<ReportFileKind>(),
            NamingTemplate = SubmissionName.DefaultTemplate,
        }, now);
        db.Courses.Add(course);
        await db.SaveChangesAsync(ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
