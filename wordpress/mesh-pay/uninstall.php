<?php
/**
 * Deleting the plugin removes the one thing it stored: the token URL setting.
 *
 * @package MeshPay
 */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

delete_option( 'mesh_pay_token_url' );
