using Dojo.Domain.Exercises;
using Dojo.Domain.People;
using Dojo.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Api.Exercises;

/// <summary>
/// A course's students and their attempts at some of its exercises, read once for a gradebook or a progress table. The
/// students are everyone enrolled in the course (active or not) and anyone else who handed in one of the exercises
/// (moved to another course since, or enrolled nowhere), ordered by student number, then name.
/// </summary>
public sealed class CourseRoster
{
    private readonly Guid _courseId;
    private readonly ILookup<(Guid Student, Guid Exercise), Submission> _attempts;

    private CourseRoster(Guid courseId, IReadOnlyList<User> students, IEnumerable<Submission> submissions)
    {
        _courseId = courseId;
        Students = students;
        _attempts = submissions.OrderBy(s => s.Attempt).ToLookup(s => (s.StudentId, s.ExerciseId));
    }

    public IReadOnlyList<User> Students { get; }

    public static async Task<CourseRoster> LoadAsync(DojoDb db, Guid courseId, IReadOnlyList<Guid> exerciseIds, CancellationToken ct)
    {
        var submissions = await db.Submissions.AsNoTracking().Where(s => exerciseIds.Contains(s.ExerciseId)).ToListAsync(ct);
        var submitters = submissions.Select(s => s.StudentId).Distinct().ToList();
        var students = await db.Users.AsNoTracking()
            .Where(u => (u.Role == Role.Student && u.CourseId == courseId) || submitters.Contains(u.Id)).ToListAsync(ct);
        return new CourseRoster(courseId, students.OrderBy(u => u.Number ?? "\uffff", StringComparer.Ordinal).ThenBy(u => u.Name, StringComparer.Ordinal).ToList(),
            submissions);
    }

    /// <summary>A student's attempts at an exercise, oldest first; the last one counts.</summary>
    public IReadOnlyList<Submission> Attempts(Guid studentId, Guid exerciseId) => _attempts[(studentId, exerciseId)].ToList();

    /// <summary>The attempt that counts (the newest), or null when nothing came.</summary>
    public Submission? Counted(Guid studentId, Guid exerciseId) => _attempts[(studentId, exerciseId)].LastOrDefault();

    /// <summary>"在籍 enrolled", "停止 deactivated", "他の科目 other course", "未登録 not enrolled".</summary>
    public string Enrolment(User student) =>
        !student.IsActive ? "停止 deactivated"
        : student.CourseId == _courseId ? "在籍 enrolled"
        : student.CourseId is null ? "未登録 not enrolled"
        : "他の科目 other course";
}
