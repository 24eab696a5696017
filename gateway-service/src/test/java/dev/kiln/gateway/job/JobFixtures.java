package dev.kiln.gateway.job;

import java.time.Clock;
import java.time.Duration;

import tools.jackson.databind.json.JsonMapper;

import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.gateway.input.InputStore;
import dev.kiln.gateway.model.ModelCatalog;
import dev.kiln.support.config.SharedProperties;

/** The submission path wired by hand, as Spring wires it, around the collaborators a test mocks or stubs. */
final class JobFixtures {

	private JobFixtures() {
	}

	/** The shared settings' defaults: prefix {@code kiln}, bucket {@code kiln-images}, 7 days, strict callbacks. */
	static SharedProperties shared() {
		return new SharedProperties(new SharedProperties.Queues("kiln"), new SharedProperties.Storage("kiln-images"),
				Duration.ofDays(7), new SharedProperties.Callbacks(false, false, false));
	}

	/** The views of records, with live queue estimates. */
	static JobViews views(JobRepository repository, ImageLinks links, ModelCatalog models, GatewayApiProperties api) {
		return new JobViews(links, new QueueEstimates(repository, models, api), JsonMapper.builder().build());
	}

	/** Submissions over these collaborators. */
	static JobSubmissions submissions(JobRepository repository, JobPublisher publisher,
			OutboxConfirmations confirmations, ImageLinks links, ModelCatalog models, InputStore inputs, Clock clock,
			GatewayApiProperties api, JobTracing tracing) {
		JobDrafts drafts = new JobDrafts(new SubmissionRules(models, inputs, api, shared()), clock,
				JsonMapper.builder().build());
		return new JobSubmissions(tracing, drafts, new JobIntake(repository, publisher, confirmations, api),
				new TenantJobs(repository, views(repository, links, models, api), clock, shared()));
	}

}
