# One image runs either process of Dojo: the API (default) or a worker (`dotnet Dojo.Worker.dll`).
# Both are published into one folder (the API references the worker to host it in-process, so they
# share every library), and libtorch is in the image once.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files alone, so source edits do not invalidate the package layer.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/Domain/Dojo.Domain.csproj src/Domain/
COPY src/Storage/Dojo.Storage.csproj src/Storage/
COPY src/Storage.Postgres/Dojo.Storage.Postgres.csproj src/Storage.Postgres/
COPY src/Protos/Dojo.Protos.csproj src/Protos/
COPY src/Worker/Dojo.Worker.csproj src/Worker/
COPY src/Api/Dojo.Api.csproj src/Api/
RUN dotnet restore src/Api/Dojo.Api.csproj
COPY src/ src/
# The built-in data sets travel with the worker (src/Worker/Dojo.Worker.csproj copies them beside the program).
COPY datasets/ datasets/
# The web page offers the samples (src/Api/Dojo.Api.csproj links them into wwwroot/samples).
COPY samples/ samples/
# Publishing also marks libLibTorchSharp.so's GLIBCXX_3.4.32 requirement weak (build/WeakenElfVersions.targets).
RUN dotnet publish src/Api/Dojo.Api.csproj -c Release --no-restore -o /app /p:UseAppHost=false \
 && dotnet publish src/Worker/Dojo.Worker.csproj -c Release --no-restore -o /app /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# A font for the learning-curve plots (ScottPlot/Skia read /usr/share/fonts; without one, plots have no text).
# fonts-ipafont-gothic: job names and labels are often Japanese (ScottPlot picks a font that has their characters).
# tzdata: courses' time zones by IANA id (the gradebook's local times; Asia/Tokyo is known even without it).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-ipafont-gothic tzdata && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
RUN mkdir -p /data && chown 10001:10001 /data
ENV Dojo__DataDirectory=/data \
    Kestrel__Endpoints__Rest__Url=http://0.0.0.0:5080 \
    Kestrel__Endpoints__Grpc__Url=http://0.0.0.0:5081
VOLUME /data
EXPOSE 5080 5081
USER 10001:10001
ENTRYPOINT ["dotnet"]
CMD ["Dojo.Api.dll"]
