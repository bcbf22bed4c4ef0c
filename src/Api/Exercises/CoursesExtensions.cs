namespace Dojo.Api.Exercises;

public static class CoursesExtensions
{
    /// <summary>Courses, exercises and submissions (with the monitor that records automatic grades), seeded with the deep-learning unit on the first start.</summary>
    public static WebApplicationBuilder AddDojoCourses(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<CoursesOptions>(builder.Configuration.GetSection(CoursesOptions.Section));
        builder.Services.AddHostedService<CourseSeeder>();
        builder.Services.AddSingleton<SubmissionReading>();
        builder.Services.AddSingleton<SubmissionExport>();
        builder.Services.AddHostedService<SubmissionGradingMonitor>();
        return builder;
    }
}
