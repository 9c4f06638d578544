"""Four eyes: the Legal review task, the editor's change reason, and the
version's approval comment, change reason and hash format.

The version columns are nullable on purpose: adding a NOT NULL column makes
SQLite rebuild the table, which would drop its immutability triggers; NULL
marks versions stored before (hash format 1, hashed without these fields).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('policy_pages', '0005_chain_head'),
        ('wagtailcore', '0098_apitoken'),
    ]

    operations = [
        migrations.CreateModel(
            name='LegalReviewTask',
            fields=[
                ('groupapprovaltask_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='wagtailcore.groupapprovaltask')),
            ],
            options={
                'verbose_name': 'Legal review task',
                'verbose_name_plural': 'Legal review tasks',
            },
            bases=('wagtailcore.groupapprovaltask',),
        ),
        migrations.AddField(
            model_name='policypage',
            name='change_reason',
            field=models.TextField(blank=True, help_text='Required to submit to Legal review: why this version changes the policy. Recorded, with the approval, in the version and its hash.', verbose_name='reason for this change'),
        ),
        migrations.AddField(
            model_name='policyversion',
            name='approval_comment',
            field=models.TextField(blank=True, null=True, verbose_name='approval comment'),
        ),
        migrations.AddField(
            model_name='policyversion',
            name='change_reason',
            field=models.TextField(blank=True, null=True, verbose_name='change reason'),
        ),
        migrations.AddField(
            model_name='policyversion',
            name='hash_format',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='hash format'),
        ),
    ]
