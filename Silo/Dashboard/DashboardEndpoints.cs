using System.Reflection;

namespace Runnel.Silo.Dashboard;

/// <summary>
/// The dashboard on the silo's HTTP port: <see cref="PagePath"/> is one self-contained HTML page (inline script and
/// style, nothing fetched from elsewhere) that polls <see cref="ClusterPath"/> every 2 s and, for the topic an operator
/// opens, <c>/api/topics/{name}</c>. The page renders every value as text (names are user input). Any silo answers for
/// the whole cluster.
/// </summary>
internal static class DashboardEndpoints
{
    public const string PagePath = "/dashboard";
    public const string ClusterPath = "/api/cluster";
    public const string TopicPath = "/api/topics/{name}";

    /// <summary>Only the page's own inline script and style run, and it talks only to this silo.</summary>
    private const string ContentSecurityPolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Runnel.Silo.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("The dashboard page is not embedded in runnel-silo.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static void MapRunnelDashboard(this WebApplication app)
    {
        app.MapGet(PagePath, (HttpContext context) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.CacheControl = "no-store";
            return Results.Bytes(Page.Value, "text/html; charset=utf-8");
        });
        app.MapGet(ClusterPath, async (ClusterSnapshotSource snapshots, CancellationToken cancellationToken) =>
        {
            try
            {
                var snapshot = await snapshots.GetAsync(cancellationToken).ConfigureAwait(false);
                return Results.Json(snapshot, DashboardJsonContext.Default.ClusterSnapshot);
            }
            catch (Exception ex) when (ex is RunnelException or TimeoutException or OrleansException)
            {
                return Error(StatusCodes.Status503ServiceUnavailable, ex is RunnelException r ? r.Code.ToString() : "Unavailable", $"The cluster could not be read: {ex.Message}");
            }
        });
        app.MapGet(TopicPath, async (string name, ClusterSnapshotSource snapshots, CancellationToken cancellationToken) =>
        {
            try
            {
                var detail = await snapshots.GetTopicAsync(name, cancellationToken).ConfigureAwait(false);
                return Results.Json(detail, DashboardJsonContext.Default.TopicDetail);
            }
            catch (RunnelException ex) when (ex.Code is RunnelErrorCode.UnknownTopic)
            {
                return Error(StatusCodes.Status404NotFound, ex.Code.ToString(), ex.Message);
            }
            catch (RunnelException ex) when (ex.Code is RunnelErrorCode.InvalidTopicName or RunnelErrorCode.InvalidArgument)
            {
                return Error(StatusCodes.Status400BadRequest, ex.Code.ToString(), ex.Message);
            }
            catch (Exception ex) when (ex is RunnelException or TimeoutException or OrleansException)
            {
                return Error(StatusCodes.Status503ServiceUnavailable, ex is RunnelException r ? r.Code.ToString() : "Unavailable", $"Topic '{name}' could not be read: {ex.Message}");
            }
        });
    }

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new DashboardError(code, message), DashboardJsonContext.Default.DashboardError, statusCode: status);
}
