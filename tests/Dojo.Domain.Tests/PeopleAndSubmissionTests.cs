using Dojo.Domain.Exercises;
using Dojo.Domain.People;

namespace Dojo.Domain.Tests;

public sealed class PeopleAndSubmissionTests
{
    private static readonly DateTime Now = new(2026, 11, 28, 9, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Issued_tokens_are_random_prefixed_and_stored_only_as_their_hash()
    {
        var user = Guid.NewGuid();
        var (first, secret1) = ApiToken.Issue(user, null, Now);
        var (_, secret2) = ApiToken.Issue(user, null, Now);

        Assert.NotEqual(secret1, secret2);
        Assert.Matches("^dojo_[A-Za-z0-9_-]{43}$", secret1); // 32 random bytes, base64url
        Assert.Equal(ApiToken.HashOf(secret1), first.Hash);
        Assert.Equal(64, first.Hash.Length);
        Assert.DoesNotContain(secret1, first.Hash + first.Hint);
        // The hint holds no run of five of the secret's characters; it ends with the token's id.
        for (int i = ApiToken.Prefix.Length; i + 5 <= secret1.Length; i++) Assert.DoesNotContain(secret1.Substring(i, 5), first.Hint);
        Assert.Equal($"dojo_…{first.Id.ToString("N")[^6..]}", first.Hint);
    }

    [Fact]
    public void Revoking_is_once_and_keeps_the_first_time()
    {
        var (token, _) = ApiToken.Issue(Guid.NewGuid(), "laptop", Now);
        Assert.True(token.Revoke(Now));
        Assert.False(token.Revoke(Now.AddHours(1)));
        Assert.Equal(Now, token.RevokedAt);
    }

    [Theory]
    [InlineData("山田太郎", null, true)]
    [InlineData("  ", null, false)]
    [InlineData("名前\u0007", null, false)]
    [InlineData("佐藤", "R-001", true)]
    [InlineData("佐藤", "123456789012345678901234567890123", false)]
    public void User_names_and_numbers_are_checked(string name, string? number, bool ok) =>
        Assert.Equal(ok, !User.Check(name, number).Any());

    [Fact]
    public void A_submission_is_returned_only_after_a_score_and_stays_returned_when_regraded()
    {
        var submission = Submission.ForFile(Guid.NewGuid(), Guid.NewGuid(), 1, new string('a', 64), ReportFileKind.Pdf, 10, "r.pdf", null, Now);
        Assert.Equal(SubmissionState.Submitted, submission.State);
        Assert.False(submission.Return(Now));

        submission.Grade(70, "図が足りない", Now);
        Assert.Equal(SubmissionState.Graded, submission.State);
        Assert.True(submission.Return(Now.AddMinutes(1)));
        Assert.Equal(SubmissionState.Returned, submission.State);

        submission.Grade(80, "再採点", Now.AddMinutes(2));
        Assert.Equal((SubmissionState.Returned, 80.0, "再採点"), (submission.State, submission.Score, submission.Feedback));
    }

    [Fact]
    public void A_playground_submission_starts_under_grading()
    {
        var submission = Submission.ForPlayground(Guid.NewGuid(), Guid.NewGuid(), 3, "{}", Guid.NewGuid(), TimeSpan.FromMinutes(5), Now);
        Assert.Equal((SubmissionState.Grading, 3, TimeSpan.FromMinutes(5)), (submission.State, submission.Attempt, submission.LateBy));
    }
}
