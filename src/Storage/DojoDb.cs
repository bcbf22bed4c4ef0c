using Dojo.Domain.Exercises;
using Dojo.Domain.Jobs;
using Dojo.Domain.People;
using Dojo.Domain.Specs;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Storage;

/// <summary>Dojo's own tables: jobs (the truth about a job), their metric points, workers and saved specs.</summary>
public sealed class DojoDb(DbContextOptions<DojoDb> options) : DbContext(options)
{
    public DbSet<Job> Jobs => Set<Job>();
    public DbSet<MetricPoint> MetricPoints => Set<MetricPoint>();
    public DbSet<WorkerRegistration> Workers => Set<WorkerRegistration>();
    public DbSet<SavedSpec> SavedSpecs => Set<SavedSpec>();
    public DbSet<Grading> Gradings => Set<Grading>();
    public DbSet<Course> Courses => Set<Course>();
    public DbSet<Exercise> Exercises => Set<Exercise>();
    public DbSet<User> Users => Set<User>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Submission> Submissions => Set<Submission>();
    public DbSet<Extension> Extensions => Set<Extension>();
    public DbSet<Domain.Datasets.DatasetUpload> DatasetUploads => Set<Domain.Datasets.DatasetUpload>();
    public DbSet<Experiment> Experiments => Set<Experiment>();
    public DbSet<Artifacts.StoredArtifact> Artifacts => Set<Artifacts.StoredArtifact>();
    public DbSet<Artifacts.ArtifactChunk> ArtifactChunks => Set<Artifacts.ArtifactChunk>();

    protected override void ConfigureConventions(ModelConfigurationBuilder conventions)
    {
        // Every timestamp is UTC; SQLite stores text without a zone, so say so when reading it back.
        conventions.Properties<DateTime>().HaveConversion<UtcConverter>();
        conventions.Properties<DateTime?>().HaveConversion<UtcConverter>();
    }

    private sealed class UtcConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime>(
        value => value.ToUniversalTime(), value => DateTime.SpecifyKind(value, DateTimeKind.Utc));

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Job>(job =>
        {
            job.HasKey(j => j.Id);
            job.Property(j => j.State).HasConversion<string>().HasMaxLength(16);
            job.Property(j => j.Name).HasMaxLength(200);
            job.Property(j => j.Device).HasMaxLength(32);
            job.Property(j => j.LeaseOwner).HasMaxLength(200);
            job.HasIndex(j => new { j.State, j.CreatedAt });
            job.HasIndex(j => new { j.OwnerId, j.State });
            job.Ignore(j => j.Retries); // read from RetriesJson
        });
        model.Entity<MetricPoint>(point =>
        {
            // (JobId, Seq) is the key: a duplicated sequence number cannot be stored.
            point.HasKey(p => new { p.JobId, p.Seq });
            point.Property(p => p.Name).HasMaxLength(64);
        });
        model.Entity<WorkerRegistration>(worker => worker.HasKey(w => w.Id));
        model.Entity<Artifacts.StoredArtifact>(artifact =>
        {
            artifact.HasKey(a => a.Id);
            artifact.Property(a => a.Key).HasMaxLength(300);
            artifact.HasIndex(a => a.Key).IsUnique();
        });
        model.Entity<Artifacts.ArtifactChunk>(chunk => chunk.HasKey(c => new { c.ArtifactId, c.Index }));
        model.Entity<Grading>(grading =>
        {
            grading.HasKey(g => g.Id);
            grading.HasIndex(g => g.OwnerId);
            grading.Ignore(g => g.Rule);
            grading.OwnsMany(g => g.Runs, run =>
            {
                run.WithOwner().HasForeignKey("GradingId");
                run.HasKey(r => r.Id);
                run.Property(r => r.Dataset).HasConversion<string>().HasMaxLength(16);
            });
            grading.Navigation(g => g.Runs).HasField("_runs").UsePropertyAccessMode(PropertyAccessMode.Field);
        });
        model.Entity<Course>(course =>
        {
            course.HasKey(c => c.Id);
            course.Property(c => c.Name).HasMaxLength(200);
            course.Property(c => c.TimeZone).HasMaxLength(64);
            course.HasMany(c => c.Units).WithOne().HasForeignKey(u => u.CourseId);
            course.Navigation(c => c.Units).HasField("_units").UsePropertyAccessMode(PropertyAccessMode.Field);
        });
        model.Entity<Unit>(unit =>
        {
            unit.HasKey(u => u.Id);
            unit.Property(u => u.Name).HasMaxLength(200);
            unit.HasMany(u => u.Exercises).WithOne().HasForeignKey(e => e.UnitId);
            unit.Navigation(u => u.Exercises).HasField("_exercises").UsePropertyAccessMode(PropertyAccessMode.Field);
        });
        model.Entity<Exercise>(exercise =>
        {
            exercise.HasKey(e => e.Id);
            exercise.Ignore(e => e.Definition);
            exercise.HasIndex(e => new { e.UnitId, e.Number }).IsUnique();
        });
        model.Entity<User>(user =>
        {
            user.HasKey(u => u.Id);
            user.Property(u => u.Name).HasMaxLength(100);
            user.Property(u => u.Role).HasConversion<string>().HasMaxLength(16);
            user.Property(u => u.Number).HasMaxLength(32);
            user.HasIndex(u => u.Number).IsUnique();
            user.HasIndex(u => u.CourseId);
        });
        model.Entity<ApiToken>(token =>
        {
            token.HasKey(t => t.Id);
            token.HasIndex(t => t.Hash).IsUnique();
            token.HasIndex(t => t.UserId);
        });
        model.Entity<Submission>(submission =>
        {
            submission.HasKey(s => s.Id);
            // The attempt number is unique per student and exercise: two racing submissions cannot both be attempt 3.
            submission.HasIndex(s => new { s.ExerciseId, s.StudentId, s.Attempt }).IsUnique();
            submission.HasIndex(s => s.State);
            submission.Property(s => s.State).HasConversion<string>().HasMaxLength(16);
            submission.Property(s => s.Kind).HasConversion<string>().HasMaxLength(16);
            submission.Property(s => s.FileKind).HasConversion<string>().HasMaxLength(16);
            submission.Property(s => s.OriginalFileName).HasMaxLength(260);
        });
        model.Entity<Extension>(extension =>
        {
            extension.HasKey(e => e.Id);
            extension.HasIndex(e => new { e.ExerciseId, e.StudentId }).IsUnique();
        });
        model.Entity<Experiment>(experiment =>
        {
            experiment.HasKey(e => e.Id);
            experiment.Property(e => e.Name).HasMaxLength(200);
            experiment.HasIndex(e => e.OwnerId);
            experiment.OwnsMany(e => e.Runs, run =>
            {
                run.WithOwner().HasForeignKey("ExperimentId");
                run.HasKey(r => r.Id);
                run.Property(r => r.Label).HasMaxLength(500);
            });
            experiment.Navigation(e => e.Runs).HasField("_runs").UsePropertyAccessMode(PropertyAccessMode.Field);
        });
        model.Entity<Domain.Datasets.DatasetUpload>(upload =>
        {
            upload.HasKey(u => u.Id);
            upload.Property(u => u.Name).HasMaxLength(200);
            upload.Property(u => u.Format).HasMaxLength(8);
            upload.Ignore(u => u.Info);
            upload.HasIndex(u => u.OwnerId);
        });
        model.Entity<SavedSpec>(spec =>
        {
            spec.HasKey(s => s.Id);
            spec.Property(s => s.Kind).HasConversion<string>().HasMaxLength(16);
            spec.HasIndex(s => new { s.Kind, s.Name });
            spec.HasIndex(s => s.OwnerId);
        });
    }
}
